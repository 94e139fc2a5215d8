#pragma once

// What the crypto module's OpenSSL code shares (internal to common/crypto): owning pointers to
// OpenSSL objects, and PEM text in and out of memory BIOs.

#include <openssl/bio.h>

#include <memory>
#include <string>
#include <string_view>

namespace paymesh::crypto::internal {

// unique_ptr<T, Deleter<T, T_free>> frees an OpenSSL object with its own free function.
template <typename T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const { Free(p); }
};
using BioPtr = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;

// A read-only memory BIO over `data` (which must outlive it).
inline BioPtr MemBio(std::string_view data) {
  return BioPtr(BIO_new_mem_buf(data.data(), static_cast<int>(data.size())));
}

// Everything written to a memory BIO.
inline std::string BioText(BIO* bio) {
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(n));
}

}  // namespace paymesh::crypto::internal
