#pragma once

// QR codes for payment links (libqrencode) and their SVG and PNG renderings. Both images include
// the 4-module quiet zone the standard asks for. Pure functions, thread-safe.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace paymesh::gateway {

inline constexpr int kQrQuietZoneModules = 4;

struct QrCode {
  int version = 0;               // 1..40
  int size = 0;                  // modules per side: 17 + 4 * version
  std::vector<uint8_t> modules;  // size * size, row by row, 1 = dark

  bool Dark(int x, int y) const { return modules[static_cast<size_t>(y) * size + x] != 0; }
};

// Error correction level M, 8-bit mode, case-sensitive. INVALID_ARGUMENT for empty text, text with
// a NUL byte, or text too long for any QR version.
absl::StatusOr<QrCode> EncodeQr(std::string_view text);

// An SVG document whose viewBox counts modules (size + 8 on each side): a white background and
// one <path> made of a unit square per dark module.
std::string RenderQrSvg(const QrCode& qr);

// An 8-bit grayscale PNG, `scale` pixels per module (1..32), (size + 8) * scale pixels square.
// INTERNAL if compression fails.
absl::StatusOr<std::string> RenderQrPng(const QrCode& qr, int scale);

}  // namespace paymesh::gateway
