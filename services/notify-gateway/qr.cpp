#include "services/notify-gateway/qr.h"

#include <qrencode.h>
#include <zlib.h>

#include <cerrno>
#include <memory>

#include "absl/strings/str_cat.h"

namespace paymesh::gateway {
namespace {

constexpr int kMaxScale = 32;
constexpr uint8_t kBlack = 0;
constexpr uint8_t kWhite = 255;

void AppendBigEndian32(std::string& out, uint32_t value) {
  out.push_back(static_cast<char>(value >> 24));
  out.push_back(static_cast<char>(value >> 16));
  out.push_back(static_cast<char>(value >> 8));
  out.push_back(static_cast<char>(value));
}

// length, type, data, CRC-32 of type + data (PNG spec 5.3).
void AppendChunk(std::string& png, std::string_view type, std::string_view data) {
  AppendBigEndian32(png, static_cast<uint32_t>(data.size()));
  const size_t crc_begin = png.size();
  png.append(type);
  png.append(data);
  const uLong crc = crc32(0L, reinterpret_cast<const Bytef*>(png.data() + crc_begin),
                          static_cast<uInt>(png.size() - crc_begin));
  AppendBigEndian32(png, static_cast<uint32_t>(crc));
}

}  // namespace

absl::StatusOr<QrCode> EncodeQr(std::string_view text) {
  if (text.empty()) return absl::InvalidArgumentError("nothing to encode");
  if (text.find('\0') != std::string_view::npos) {
    return absl::InvalidArgumentError("text contains a NUL byte");
  }
  const std::string c_text(text);
  errno = 0;
  std::unique_ptr<QRcode, void (*)(QRcode*)> code(
      QRcode_encodeString(c_text.c_str(), 0, QR_ECLEVEL_M, QR_MODE_8, 1), QRcode_free);
  if (code == nullptr) {
    if (errno == ERANGE) return absl::InvalidArgumentError("text too long for a QR code");
    return absl::InternalError("QR encoding failed");
  }
  QrCode qr;
  qr.version = code->version;
  qr.size = code->width;
  qr.modules.resize(static_cast<size_t>(qr.size) * qr.size);
  for (size_t i = 0; i < qr.modules.size(); ++i) qr.modules[i] = code->data[i] & 1;
  return qr;
}

std::string RenderQrSvg(const QrCode& qr) {
  const int side = qr.size + 2 * kQrQuietZoneModules;
  std::string svg =
      absl::StrCat(R"(<?xml version="1.0" encoding="UTF-8"?>)", "\n",
                   R"(<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 )", side, " ", side,
                   R"(" shape-rendering="crispEdges">)", R"(<rect width=")", side, R"(" height=")",
                   side, R"(" fill="#fff"/><path fill="#000" d=")");
  for (int y = 0; y < qr.size; ++y) {
    for (int x = 0; x < qr.size; ++x) {
      if (qr.Dark(x, y)) {
        absl::StrAppend(&svg, "M", x + kQrQuietZoneModules, " ", y + kQrQuietZoneModules,
                        "h1v1h-1z");
      }
    }
  }
  svg.append("\"/></svg>\n");
  return svg;
}

absl::StatusOr<std::string> RenderQrPng(const QrCode& qr, int scale) {
  if (scale < 1 || scale > kMaxScale) return absl::InvalidArgumentError("scale must be 1..32");
  const size_t pixels = static_cast<size_t>(qr.size + 2 * kQrQuietZoneModules) * scale;

  // Scanlines: filter type 0 (None), then one byte per pixel.
  std::string raw;
  raw.reserve(pixels * (pixels + 1));
  std::string line(pixels + 1, static_cast<char>(kWhite));
  for (size_t py = 0; py < pixels; ++py) {
    line[0] = 0;
    const int y = static_cast<int>(py / scale) - kQrQuietZoneModules;
    for (size_t px = 0; px < pixels; ++px) {
      const int x = static_cast<int>(px / scale) - kQrQuietZoneModules;
      const bool dark = y >= 0 && y < qr.size && x >= 0 && x < qr.size && qr.Dark(x, y);
      line[px + 1] = static_cast<char>(dark ? kBlack : kWhite);
    }
    raw.append(line);
  }
  uLongf compressed_size = compressBound(static_cast<uLong>(raw.size()));
  std::string compressed(compressed_size, '\0');
  if (compress2(reinterpret_cast<Bytef*>(compressed.data()), &compressed_size,
                reinterpret_cast<const Bytef*>(raw.data()), static_cast<uLong>(raw.size()),
                Z_BEST_COMPRESSION) != Z_OK) {
    return absl::InternalError("PNG compression failed");
  }
  compressed.resize(compressed_size);

  std::string ihdr;
  AppendBigEndian32(ihdr, static_cast<uint32_t>(pixels));  // width
  AppendBigEndian32(ihdr, static_cast<uint32_t>(pixels));  // height
  ihdr.append({8, 0, 0, 0, 0});  // bit depth 8, grayscale, deflate, adaptive filters, no interlace

  std::string png("\x89PNG\r\n\x1a\n", 8);
  AppendChunk(png, "IHDR", ihdr);
  AppendChunk(png, "IDAT", compressed);
  AppendChunk(png, "IEND", "");
  return png;
}

}  // namespace paymesh::gateway
