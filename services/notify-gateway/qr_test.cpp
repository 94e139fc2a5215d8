// QR encoding and the SVG/PNG renderings, checked structurally (no decoder): symbol size for a
// known input, finder patterns, a well-formed SVG with one square per dark module, and a PNG
// whose chunks, CRCs, dimensions and pixels are right.

#include "services/notify-gateway/qr.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <regex>
#include <string>
#include <vector>

namespace paymesh::gateway {
namespace {

// 35 bytes in 8-bit mode at level M: too many for version 2 (26 bytes), enough for 3 (42).
constexpr char kCodeUrl[] = "weixin://wxpay/bizpayurl?pr=abcdefg";
constexpr int kCodeUrlVersion = 3;
constexpr int kCodeUrlSize = 29;

int DarkCount(const QrCode& qr) {
  int dark = 0;
  for (uint8_t m : qr.modules) dark += m;
  return dark;
}

// The 7x7 finder pattern with its top-left module at (x0, y0): dark ring, light ring, dark 3x3.
void ExpectFinderAt(const QrCode& qr, int x0, int y0) {
  for (int dy = 0; dy < 7; ++dy) {
    for (int dx = 0; dx < 7; ++dx) {
      const int ring = std::max(std::abs(dx - 3), std::abs(dy - 3));
      EXPECT_EQ(qr.Dark(x0 + dx, y0 + dy), ring != 2) << "(" << x0 + dx << "," << y0 + dy << ")";
    }
  }
}

TEST(QrTest, KnownInputHasTheExpectedVersionAndFinderPatterns) {
  absl::StatusOr<QrCode> qr = EncodeQr(kCodeUrl);
  ASSERT_TRUE(qr.ok()) << qr.status();
  EXPECT_EQ(qr->version, kCodeUrlVersion);
  EXPECT_EQ(qr->size, kCodeUrlSize);
  EXPECT_EQ(qr->size, 17 + 4 * qr->version);
  ASSERT_EQ(qr->modules.size(), static_cast<size_t>(kCodeUrlSize * kCodeUrlSize));
  ExpectFinderAt(*qr, 0, 0);
  ExpectFinderAt(*qr, qr->size - 7, 0);
  ExpectFinderAt(*qr, 0, qr->size - 7);
  // Timing pattern on row 6 between the finders alternates dark/light.
  for (int x = 8; x < qr->size - 8; ++x) EXPECT_EQ(qr->Dark(x, 6), x % 2 == 0) << x;
}

TEST(QrTest, LongerTextNeedsALargerSymbol) {
  absl::StatusOr<QrCode> small = EncodeQr("HELLO");
  absl::StatusOr<QrCode> large = EncodeQr(std::string(200, 'x'));
  ASSERT_TRUE(small.ok() && large.ok());
  EXPECT_EQ(small->size, 21);
  EXPECT_GT(large->size, small->size);
  EXPECT_EQ(large->size, 17 + 4 * large->version);
}

TEST(QrTest, RejectsWhatCannotBeEncoded) {
  EXPECT_EQ(EncodeQr("").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(EncodeQr(std::string("weixin://a\0b", 12)).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(EncodeQr(std::string(5000, 'x')).status().code(), absl::StatusCode::kInvalidArgument);
}

// ---- SVG ----------------------------------------------------------------------------------------

// Every tag closes in order and every attribute value is quoted; returns the element names.
std::vector<std::string> CheckWellFormed(const std::string& xml) {
  std::vector<std::string> stack, elements;
  const std::regex tag(R"(<(/?)([A-Za-z][A-Za-z0-9:-]*)((?:\s+[A-Za-z:-]+="[^"<]*")*)\s*(/?)>)");
  std::string rest = xml.substr(xml.find("<svg"));
  std::smatch m;
  while (std::regex_search(rest, m, tag)) {
    EXPECT_EQ(rest.substr(0, m.position(0)).find('<'), std::string::npos)
        << "unparsable markup before " << m.str(0).substr(0, 40);
    const std::string name = m.str(2);
    if (m.str(1) == "/") {
      EXPECT_FALSE(stack.empty());
      if (!stack.empty()) {
        EXPECT_EQ(stack.back(), name);
        stack.pop_back();
      }
    } else {
      elements.push_back(name);
      if (m.str(4) != "/") stack.push_back(name);
    }
    rest = m.suffix();
  }
  EXPECT_TRUE(stack.empty()) << "unclosed <" << (stack.empty() ? "" : stack.back()) << ">";
  EXPECT_EQ(rest.find_first_not_of(" \n"), std::string::npos) << "trailing: " << rest;
  return elements;
}

TEST(QrSvgTest, IsWellFormedWithOneSquarePerDarkModuleInsideTheQuietZone) {
  absl::StatusOr<QrCode> qr = EncodeQr(kCodeUrl);
  ASSERT_TRUE(qr.ok());
  const std::string svg = RenderQrSvg(*qr);
  EXPECT_EQ(svg.rfind("<?xml", 0), 0u);
  EXPECT_EQ(CheckWellFormed(svg), (std::vector<std::string>{"svg", "rect", "path"}));
  const int side = kCodeUrlSize + 2 * kQrQuietZoneModules;  // 37
  EXPECT_NE(svg.find("viewBox=\"0 0 37 37\""), std::string::npos) << svg.substr(0, 200);
  EXPECT_EQ(side, 37);

  const std::regex square(R"(M(\d+) (\d+)h1v1h-1z)");
  std::vector<uint8_t> seen(qr->modules.size(), 0);
  int squares = 0;
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), square); it != std::sregex_iterator();
       ++it) {
    const int x = std::stoi((*it)[1]) - kQrQuietZoneModules;
    const int y = std::stoi((*it)[2]) - kQrQuietZoneModules;
    ASSERT_TRUE(x >= 0 && x < qr->size && y >= 0 && y < qr->size) << it->str();
    EXPECT_TRUE(qr->Dark(x, y)) << it->str();
    ++seen[static_cast<size_t>(y) * qr->size + x];
    ++squares;
  }
  EXPECT_EQ(squares, DarkCount(*qr));
  EXPECT_EQ(seen, qr->modules);  // each dark module exactly once, no light one
}

// ---- PNG ----------------------------------------------------------------------------------------

struct Chunk {
  std::string type;
  std::string data;
};

uint32_t ReadBigEndian32(const std::string& s, size_t at) {
  return (static_cast<uint32_t>(static_cast<uint8_t>(s[at])) << 24) |
         (static_cast<uint32_t>(static_cast<uint8_t>(s[at + 1])) << 16) |
         (static_cast<uint32_t>(static_cast<uint8_t>(s[at + 2])) << 8) |
         static_cast<uint32_t>(static_cast<uint8_t>(s[at + 3]));
}

// The chunks after the signature, checking each CRC.
std::vector<Chunk> ReadChunks(const std::string& png) {
  std::vector<Chunk> chunks;
  size_t at = 8;
  while (at + 12 <= png.size()) {
    const uint32_t length = ReadBigEndian32(png, at);
    if (at + 12 + length > png.size()) {
      ADD_FAILURE() << "chunk overruns the file";
      break;
    }
    const std::string type_and_data = png.substr(at + 4, 4 + length);
    const uint32_t crc = ReadBigEndian32(png, at + 8 + length);
    EXPECT_EQ(crc, crc32(0L, reinterpret_cast<const Bytef*>(type_and_data.data()),
                         static_cast<uInt>(type_and_data.size())))
        << "bad CRC in " << type_and_data.substr(0, 4);
    chunks.push_back({type_and_data.substr(0, 4), type_and_data.substr(4)});
    at += 12 + length;
  }
  EXPECT_EQ(at, png.size()) << "trailing bytes";
  return chunks;
}

TEST(QrPngTest, HasValidChunksDimensionsAndPixels) {
  absl::StatusOr<QrCode> qr = EncodeQr(kCodeUrl);
  ASSERT_TRUE(qr.ok());
  constexpr int kScale = 8;
  absl::StatusOr<std::string> png = RenderQrPng(*qr, kScale);
  ASSERT_TRUE(png.ok()) << png.status();
  ASSERT_GT(png->size(), 8u);
  EXPECT_EQ(png->substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));

  const std::vector<Chunk> chunks = ReadChunks(*png);
  ASSERT_EQ(chunks.size(), 3u);
  EXPECT_EQ(chunks[0].type, "IHDR");
  EXPECT_EQ(chunks[1].type, "IDAT");
  EXPECT_EQ(chunks[2].type, "IEND");
  EXPECT_TRUE(chunks[2].data.empty());

  const std::string& ihdr = chunks[0].data;
  ASSERT_EQ(ihdr.size(), 13u);
  const uint32_t side = (kCodeUrlSize + 2 * kQrQuietZoneModules) * kScale;  // 296
  EXPECT_EQ(ReadBigEndian32(ihdr, 0), side);
  EXPECT_EQ(ReadBigEndian32(ihdr, 4), side);
  EXPECT_EQ(ihdr.substr(8), std::string("\x08\x00\x00\x00\x00", 5));  // 8-bit gray

  std::string raw(side * (1 + side), '\x7f');
  uLongf raw_size = raw.size();
  ASSERT_EQ(uncompress(reinterpret_cast<Bytef*>(raw.data()), &raw_size,
                       reinterpret_cast<const Bytef*>(chunks[1].data.data()),
                       static_cast<uLong>(chunks[1].data.size())),
            Z_OK);
  ASSERT_EQ(raw_size, side * (1 + side));

  auto pixel = [&](uint32_t px, uint32_t py) {
    return static_cast<uint8_t>(raw[py * (1 + side) + 1 + px]);
  };
  for (uint32_t py = 0; py < side; ++py) {
    EXPECT_EQ(raw[py * (1 + side)], 0) << "filter byte of row " << py;
    for (uint32_t px = 0; px < side; ++px) {
      const int x = static_cast<int>(px / kScale) - kQrQuietZoneModules;
      const int y = static_cast<int>(py / kScale) - kQrQuietZoneModules;
      const bool dark = x >= 0 && y >= 0 && x < qr->size && y < qr->size && qr->Dark(x, y);
      ASSERT_EQ(pixel(px, py), dark ? 0 : 255) << "pixel (" << px << "," << py << ")";
    }
  }
  // The quiet zone is white and the top-left finder starts right after it.
  EXPECT_EQ(pixel(0, 0), 255);
  EXPECT_EQ(pixel(4 * kScale - 1, 4 * kScale - 1), 255);
  EXPECT_EQ(pixel(4 * kScale, 4 * kScale), 0);
}

TEST(QrPngTest, ScaleIsChecked) {
  absl::StatusOr<QrCode> qr = EncodeQr("HELLO");
  ASSERT_TRUE(qr.ok());
  EXPECT_FALSE(RenderQrPng(*qr, 0).ok());
  EXPECT_FALSE(RenderQrPng(*qr, 33).ok());
  absl::StatusOr<std::string> one = RenderQrPng(*qr, 1);
  ASSERT_TRUE(one.ok());
  const std::vector<Chunk> chunks = ReadChunks(*one);
  ASSERT_FALSE(chunks.empty());
  EXPECT_EQ(ReadBigEndian32(chunks[0].data, 0), 29u);  // 21 + 8
}

}  // namespace
}  // namespace paymesh::gateway
