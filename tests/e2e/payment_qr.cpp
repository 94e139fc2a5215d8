#include "tests/e2e/payment_qr.h"

#include <qrencode.h>
#include <zlib.h>

#include <algorithm>
#include <boost/property_tree/ptree.hpp>
#include <boost/property_tree/xml_parser.hpp>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <sstream>
#include <string_view>
#include <utility>

#include "absl/strings/str_cat.h"

namespace paymesh::e2e {
namespace {

namespace pt = boost::property_tree;

absl::Status Bad(const std::string& what) { return absl::InvalidArgumentError(what); }

// Reads a non-negative decimal at `pos`, advancing it.
bool ReadInt(std::string_view s, size_t& pos, int& out) {
  size_t end = pos;
  while (end < s.size() && s[end] >= '0' && s[end] <= '9') ++end;
  if (end == pos || end - pos > 4) return false;
  out = 0;
  for (size_t i = pos; i < end; ++i) out = out * 10 + (s[i] - '0');
  pos = end;
  return true;
}

bool Consume(std::string_view s, size_t& pos, std::string_view token) {
  if (s.substr(pos, token.size()) != token) return false;
  pos += token.size();
  return true;
}

uint32_t BigEndian32(std::string_view s, size_t at) {
  return static_cast<uint32_t>(static_cast<uint8_t>(s[at])) << 24 |
         static_cast<uint32_t>(static_cast<uint8_t>(s[at + 1])) << 16 |
         static_cast<uint32_t>(static_cast<uint8_t>(s[at + 2])) << 8 |
         static_cast<uint32_t>(static_cast<uint8_t>(s[at + 3]));
}

// Format information: 5 data bits (level, mask) and 10 BCH bits, XORed with 0x5412 (ISO/IEC
// 18004 §7.9).
int FormatBits(int data) {
  int rem = data;
  for (int i = 0; i < 10; ++i) rem = (rem << 1) ^ ((rem >> 9) * 0x537);
  return ((data << 10) | rem) ^ 0x5412;
}

}  // namespace

absl::StatusOr<QrMatrix> ReadSvgQr(const std::string& svg) {
  pt::ptree doc;
  try {
    std::istringstream in(svg);
    pt::read_xml(in, doc);
  } catch (const pt::xml_parser_error& e) {
    return Bad(absl::StrCat("not well-formed XML: ", e.what()));
  }
  if (doc.size() != 1 || doc.front().first != "svg") return Bad("the root element is not <svg>");
  const pt::ptree& root = doc.front().second;
  if (root.get("<xmlattr>.xmlns", "") != "http://www.w3.org/2000/svg") {
    return Bad("<svg> lacks the SVG namespace");
  }
  const std::string view_box = root.get("<xmlattr>.viewBox", "");
  int side = 0;
  size_t pos = 0;
  if (!Consume(view_box, pos, "0 0 ") || !ReadInt(view_box, pos, side) ||
      view_box != absl::StrCat("0 0 ", side, " ", side)) {
    return Bad(absl::StrCat("viewBox is not \"0 0 N N\": ", view_box));
  }
  const int size = side - 2 * kQrQuietZone;
  if (size < 21) return Bad("viewBox too small for a QR code");

  const pt::ptree* rect = nullptr;
  const pt::ptree* path = nullptr;
  for (const auto& [name, child] : root) {
    if (name == "rect" && rect == nullptr) {
      rect = &child;
    } else if (name == "path" && path == nullptr) {
      path = &child;
    } else if (name != "<xmlattr>") {
      return Bad(absl::StrCat("unexpected element <", name, ">"));
    }
  }
  if (rect == nullptr || path == nullptr) return Bad("expected one <rect> and one <path>");
  if (rect->get("<xmlattr>.width", "") != std::to_string(side) ||
      rect->get("<xmlattr>.height", "") != std::to_string(side) ||
      rect->get("<xmlattr>.fill", "") != "#fff") {
    return Bad("the background <rect> is not a white N×N square");
  }
  if (path->get("<xmlattr>.fill", "") != "#000") return Bad("the <path> is not black");

  QrMatrix qr{size, std::vector<bool>(static_cast<size_t>(size) * size, false)};
  const std::string d = path->get("<xmlattr>.d", "");
  pos = 0;
  while (pos < d.size()) {
    int x = 0;
    int y = 0;
    if (!Consume(d, pos, "M") || !ReadInt(d, pos, x) || !Consume(d, pos, " ") ||
        !ReadInt(d, pos, y) || !Consume(d, pos, "h1v1h-1z")) {
      return Bad(absl::StrCat("path data is not unit squares at offset ", pos));
    }
    x -= kQrQuietZone;
    y -= kQrQuietZone;
    if (x < 0 || y < 0 || x >= size || y >= size) {
      return Bad(absl::StrCat("a dark module in the quiet zone or outside: ", x, ",", y));
    }
    auto cell = qr.dark.begin() + static_cast<ptrdiff_t>(y) * size + x;
    if (*cell) return Bad(absl::StrCat("module ", x, ",", y, " drawn twice"));
    *cell = true;
  }
  return qr;
}

absl::StatusOr<QrMatrix> ReadPngQr(const std::string& png, int scale) {
  if (png.size() < 8 || png.compare(0, 8, "\x89PNG\r\n\x1a\n", 8) != 0) {
    return Bad("no PNG signature");
  }
  uint32_t width = 0;
  uint32_t height = 0;
  std::string idat;
  bool ended = false;
  for (size_t at = 8; !ended;) {
    if (at + 12 > png.size()) return Bad("truncated chunk");
    const uint32_t length = BigEndian32(png, at);
    if (length > png.size() - at - 12) return Bad("chunk longer than the file");
    const std::string_view type(png.data() + at + 4, 4);
    const std::string_view data(png.data() + at + 8, length);
    const uLong crc = crc32(0L, reinterpret_cast<const Bytef*>(png.data() + at + 4),
                            static_cast<uInt>(length + 4));
    if (BigEndian32(png, at + 8 + length) != static_cast<uint32_t>(crc)) {
      return Bad(absl::StrCat("bad CRC in chunk ", std::string(type)));
    }
    if (at == 8) {
      // IHDR: width, height, bit depth 8, color type 0 (grayscale), deflate, filter method 0,
      // no interlace.
      if (type != "IHDR" || length != 13) return Bad("the first chunk is not a 13-byte IHDR");
      width = BigEndian32(data, 0);
      height = BigEndian32(data, 4);
      if (data.substr(8) != std::string_view("\x08\x00\x00\x00\x00", 5)) {
        return Bad("IHDR is not 8-bit grayscale, deflate, no interlace");
      }
    } else if (type == "IDAT") {
      idat.append(data);
    } else if (type == "IEND") {
      ended = true;
      if (at + 12 != png.size()) return Bad("bytes after IEND");
    }
    at += 12 + length;
  }
  if (width != height || width % scale != 0) {
    return Bad(absl::StrCat("a ", width, "x", height, " image is not square modules of ", scale));
  }
  const int size = static_cast<int>(width) / scale - 2 * kQrQuietZone;
  if (size < 21) return Bad("image too small for a QR code");

  const size_t stride = width + 1;  // filter byte + one byte per pixel
  uLongf raw_size = stride * height;
  std::string raw(raw_size, '\0');
  if (uncompress(reinterpret_cast<Bytef*>(raw.data()), &raw_size,
                 reinterpret_cast<const Bytef*>(idat.data()), idat.size()) != Z_OK ||
      raw_size != stride * height) {
    return Bad("IDAT does not inflate to the image's scanlines");
  }
  for (size_t row = 0; row < height; ++row) {
    if (raw[row * stride] != 0) return Bad("a scanline uses a filter other than None");
  }
  QrMatrix qr{size, std::vector<bool>(static_cast<size_t>(size) * size, false)};
  const int modules = size + 2 * kQrQuietZone;
  for (int my = 0; my < modules; ++my) {
    for (int mx = 0; mx < modules; ++mx) {
      const uint8_t first = static_cast<uint8_t>(raw[my * scale * stride + 1 + mx * scale]);
      if (first != 0 && first != 255) return Bad("a pixel neither black nor white");
      for (int py = my * scale; py < (my + 1) * scale; ++py) {
        for (int px = mx * scale; px < (mx + 1) * scale; ++px) {
          if (static_cast<uint8_t>(raw[py * stride + 1 + px]) != first) {
            return Bad(absl::StrCat("module ", mx, ",", my, " is not one uniform block"));
          }
        }
      }
      const bool dark = first == 0;
      const int x = mx - kQrQuietZone;
      const int y = my - kQrQuietZone;
      if (x < 0 || y < 0 || x >= size || y >= size) {
        if (dark) return Bad("a dark module in the quiet zone");
        continue;
      }
      qr.dark[static_cast<size_t>(y) * size + x] = dark;
    }
  }
  return qr;
}

::testing::AssertionResult IsQrCodeAtLevelM(const QrMatrix& qr) {
  const int n = qr.size;
  if (n < 21 || n > 177 || (n - 17) % 4 != 0) {
    return ::testing::AssertionFailure() << "size " << n << " is not 17 + 4v";
  }
  // Finder patterns (dark 7×7 ring, light ring, dark 3×3 core) and their light separators.
  for (auto [cx, cy] : {std::pair{3, 3}, std::pair{n - 4, 3}, std::pair{3, n - 4}}) {
    for (int dy = -4; dy <= 4; ++dy) {
      for (int dx = -4; dx <= 4; ++dx) {
        const int x = cx + dx;
        const int y = cy + dy;
        if (x < 0 || y < 0 || x >= n || y >= n) continue;
        const int ring = std::max(std::abs(dx), std::abs(dy));
        if (qr.At(x, y) != (ring != 2 && ring != 4)) {
          return ::testing::AssertionFailure()
                 << "finder pattern at " << cx << "," << cy << " broken at " << x << "," << y;
        }
      }
    }
  }
  for (int i = 8; i < n - 8; ++i) {
    if (qr.At(i, 6) != (i % 2 == 0) || qr.At(6, i) != (i % 2 == 0)) {
      return ::testing::AssertionFailure() << "timing pattern broken at " << i;
    }
  }
  if (!qr.At(8, n - 8)) return ::testing::AssertionFailure() << "the dark module is light";

  int first = 0;
  int second = 0;
  auto bit = [&](int& word, int i, int x, int y) { word |= (qr.At(x, y) ? 1 : 0) << i; };
  for (int i = 0; i <= 5; ++i) bit(first, i, 8, i);
  bit(first, 6, 8, 7);
  bit(first, 7, 8, 8);
  bit(first, 8, 7, 8);
  for (int i = 9; i < 15; ++i) bit(first, i, 14 - i, 8);
  for (int i = 0; i < 8; ++i) bit(second, i, n - 1 - i, 8);
  for (int i = 8; i < 15; ++i) bit(second, i, 8, n - 15 + i);
  if (first != second) {
    return ::testing::AssertionFailure() << "the two copies of the format information differ";
  }
  const int data = (first ^ 0x5412) >> 10;
  if (FormatBits(data) != first) {
    return ::testing::AssertionFailure() << "format information fails its BCH check";
  }
  if ((data >> 3) != 0) {
    return ::testing::AssertionFailure()
           << "error correction level is not M (bits " << (data >> 3) << ")";
  }
  return ::testing::AssertionSuccess();
}

absl::StatusOr<QrMatrix> EncodeQrM(const std::string& text) {
  std::unique_ptr<QRcode, void (*)(QRcode*)> code(
      QRcode_encodeString(text.c_str(), 0, QR_ECLEVEL_M, QR_MODE_8, 1), QRcode_free);
  if (code == nullptr) return absl::InternalError("libqrencode failed");
  QrMatrix qr{code->width, std::vector<bool>(static_cast<size_t>(code->width) * code->width)};
  for (size_t i = 0; i < qr.dark.size(); ++i) qr.dark[i] = (code->data[i] & 1) != 0;
  return qr;
}

}  // namespace paymesh::e2e
