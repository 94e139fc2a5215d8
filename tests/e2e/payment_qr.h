#pragma once

// Reads the gateway's QR code images back into modules and checks what every QR code must have,
// so that the pay suite can tell a scannable code for the right payment link from a picture.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace paymesh::e2e {

inline constexpr int kQrQuietZone = 4;  // modules of white border the standard asks for

struct QrMatrix {
  int size = 0;            // modules per side, quiet zone excluded
  std::vector<bool> dark;  // size * size, row by row

  bool At(int x, int y) const { return dark[static_cast<size_t>(y) * size + x]; }
  bool operator==(const QrMatrix&) const = default;
};

// The SVG as the gateway draws it: well-formed XML (parsed as such), an <svg> root whose
// viewBox is "0 0 N N", a white <rect> covering it and one black <path> made only of unit
// squares "Mx yh1v1h-1z", all inside the N - 8 modules within the quiet zone.
absl::StatusOr<QrMatrix> ReadSvgQr(const std::string& svg);

// An 8-bit grayscale, non-interlaced PNG (signature, IHDR first, every chunk's CRC, IDAT
// inflated, filter type None), `scale` pixels per module, a white quiet zone, each module one
// uniform black or white block.
absl::StatusOr<QrMatrix> ReadPngQr(const std::string& png, int scale);

// Finder patterns with separators, timing patterns, the dark module, and both copies of the
// format information equal, BCH-valid and saying error correction level M; a size of 17 + 4v.
::testing::AssertionResult IsQrCodeAtLevelM(const QrMatrix& qr);

// What libqrencode makes of `text` (level M, 8-bit mode), as the gateway is documented to use.
absl::StatusOr<QrMatrix> EncodeQrM(const std::string& text);

}  // namespace paymesh::e2e
