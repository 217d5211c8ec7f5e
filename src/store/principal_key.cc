// PrincipalKey: truncated SHA-256 through OpenSSL's EVP interface.
#include "store/principal_key.h"

#include <glog/logging.h>
#include <openssl/evp.h>

#include <array>

namespace sessionkeeper::store {

std::string PrincipalKey(std::string_view principal) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int digest_length = 0;
  // SHA-256 from the default provider cannot fail short of memory exhaustion
  // or a broken OpenSSL installation; a key computed any other way would put
  // index entries in the wrong place, so there is nothing to fall back to.
  CHECK_EQ(EVP_Digest(principal.data(), principal.size(), digest.data(),
                      &digest_length, EVP_sha256(), nullptr),
           1)
      << "EVP_Digest(SHA-256) failed";
  CHECK_GE(digest_length, kPrincipalKeyLength / 2);

  constexpr std::string_view kHex = "0123456789abcdef";
  std::string key;
  key.reserve(kPrincipalKeyLength);
  for (size_t i = 0; i < kPrincipalKeyLength / 2; ++i) {
    key += kHex[digest[i] >> 4];
    key += kHex[digest[i] & 0x0fU];
  }
  return key;
}

}  // namespace sessionkeeper::store
