//! The hash functions of Node's `crypto` that Prismatic's Hash component offers, by their
//! OpenSSL names (`sha256`, `sha3-512`, `md5-sha1`, ...), and the actions computing them.

use hmac::{Mac, SimpleHmac};
use plumb_core::action::{Action, ActionContext, ActionError, Data, Inputs};
use serde_json::Value;
use sha2::Digest;

use super::manifest::{HashInputs, HmacInputs, MessageInput};

/// A hash function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Function {
    /// BLAKE2b with a 512-bit digest.
    Blake2b512,
    /// BLAKE2s with a 256-bit digest.
    Blake2s256,
    /// MD4 (broken; for old systems only).
    Md4,
    /// MD5 (broken; for checksums only).
    Md5,
    /// MD5 and SHA-1 digests concatenated (TLS 1.0's).
    Md5Sha1,
    /// RIPEMD-160.
    Ripemd160,
    /// SHA-1.
    Sha1,
    /// SHA-224.
    Sha224,
    /// SHA-256.
    Sha256,
    /// SHA3-224.
    Sha3_224,
    /// SHA3-256.
    Sha3_256,
    /// SHA3-384.
    Sha3_384,
    /// SHA3-512.
    Sha3_512,
    /// SHA-384.
    Sha384,
    /// SHA-512/224.
    Sha512_224,
    /// SHA-512/256.
    Sha512_256,
    /// SHA-512.
    Sha512,
    /// SM3.
    Sm3,
    /// Whirlpool.
    Whirlpool,
}

impl Function {
    /// Every function, in the order of Prismatic's page.
    pub const ALL: &'static [Function] = &[
        Function::Blake2b512,
        Function::Blake2s256,
        Function::Md4,
        Function::Md5,
        Function::Md5Sha1,
        Function::Ripemd160,
        Function::Sha1,
        Function::Sha224,
        Function::Sha256,
        Function::Sha3_224,
        Function::Sha3_256,
        Function::Sha3_384,
        Function::Sha3_512,
        Function::Sha384,
        Function::Sha512_224,
        Function::Sha512_256,
        Function::Sha512,
        Function::Sm3,
        Function::Whirlpool,
    ];

    /// The OpenSSL name (`sha256`), as the `hashFunction` input takes it.
    pub fn name(self) -> &'static str {
        match self {
            Function::Blake2b512 => "blake2b512",
            Function::Blake2s256 => "blake2s256",
            Function::Md4 => "md4",
            Function::Md5 => "md5",
            Function::Md5Sha1 => "md5-sha1",
            Function::Ripemd160 => "ripemd160",
            Function::Sha1 => "sha1",
            Function::Sha224 => "sha224",
            Function::Sha256 => "sha256",
            Function::Sha3_224 => "sha3-224",
            Function::Sha3_256 => "sha3-256",
            Function::Sha3_384 => "sha3-384",
            Function::Sha3_512 => "sha3-512",
            Function::Sha384 => "sha384",
            Function::Sha512_224 => "sha512-224",
            Function::Sha512_256 => "sha512-256",
            Function::Sha512 => "sha512",
            Function::Sm3 => "sm3",
            Function::Whirlpool => "whirlpool",
        }
    }

    /// The label Prismatic's page gives it (`SHA256`, `BLAKE2b512`, `whirlpool`).
    pub fn label(self) -> &'static str {
        match self {
            Function::Blake2b512 => "BLAKE2b512",
            Function::Blake2s256 => "BLAKE2s256",
            Function::Md4 => "MD4",
            Function::Md5 => "MD5",
            Function::Md5Sha1 => "MD5-SHA1",
            Function::Ripemd160 => "RIPEMD160",
            Function::Sha1 => "SHA1",
            Function::Sha224 => "SHA224",
            Function::Sha256 => "SHA256",
            Function::Sha3_224 => "SHA3-224",
            Function::Sha3_256 => "SHA3-256",
            Function::Sha3_384 => "SHA3-384",
            Function::Sha3_512 => "SHA3-512",
            Function::Sha384 => "SHA384",
            Function::Sha512_224 => "SHA512-224",
            Function::Sha512_256 => "SHA512-256",
            Function::Sha512 => "SHA512",
            Function::Sm3 => "SM3",
            Function::Whirlpool => "whirlpool",
        }
    }

    /// The key of its own action: `compute` and its name with a capital (`computeSha256`).
    pub fn action_key(self) -> &'static str {
        match self {
            Function::Blake2b512 => "computeBlake2b512",
            Function::Blake2s256 => "computeBlake2s256",
            Function::Md4 => "computeMd4",
            Function::Md5 => "computeMd5",
            Function::Md5Sha1 => "computeMd5-sha1",
            Function::Ripemd160 => "computeRipemd160",
            Function::Sha1 => "computeSha1",
            Function::Sha224 => "computeSha224",
            Function::Sha256 => "computeSha256",
            Function::Sha3_224 => "computeSha3-224",
            Function::Sha3_256 => "computeSha3-256",
            Function::Sha3_384 => "computeSha3-384",
            Function::Sha3_512 => "computeSha3-512",
            Function::Sha384 => "computeSha384",
            Function::Sha512_224 => "computeSha512-224",
            Function::Sha512_256 => "computeSha512-256",
            Function::Sha512 => "computeSha512",
            Function::Sm3 => "computeSm3",
            Function::Whirlpool => "computeWhirlpool",
        }
    }

    /// The function named `name` (case and a `-` after `sha` ignored: `SHA-256` is `sha256`).
    pub fn parse(name: &str) -> Option<Function> {
        let wanted = name.trim().to_ascii_lowercase();
        let wanted = wanted
            .strip_prefix("sha-")
            .map_or(wanted.clone(), |r| format!("sha{r}"));
        Function::ALL.iter().copied().find(|f| f.name() == wanted)
    }

    /// The digest of `bytes`.
    pub fn digest(self, bytes: &[u8]) -> Vec<u8> {
        fn d<D: Digest>(bytes: &[u8]) -> Vec<u8> {
            D::digest(bytes).to_vec()
        }
        match self {
            Function::Blake2b512 => d::<blake2::Blake2b512>(bytes),
            Function::Blake2s256 => d::<blake2::Blake2s256>(bytes),
            Function::Md4 => d::<md4::Md4>(bytes),
            Function::Md5 => d::<md5::Md5>(bytes),
            Function::Md5Sha1 => [d::<md5::Md5>(bytes), d::<sha1::Sha1>(bytes)].concat(),
            Function::Ripemd160 => d::<ripemd::Ripemd160>(bytes),
            Function::Sha1 => d::<sha1::Sha1>(bytes),
            Function::Sha224 => d::<sha2::Sha224>(bytes),
            Function::Sha256 => d::<sha2::Sha256>(bytes),
            Function::Sha3_224 => d::<sha3::Sha3_224>(bytes),
            Function::Sha3_256 => d::<sha3::Sha3_256>(bytes),
            Function::Sha3_384 => d::<sha3::Sha3_384>(bytes),
            Function::Sha3_512 => d::<sha3::Sha3_512>(bytes),
            Function::Sha384 => d::<sha2::Sha384>(bytes),
            Function::Sha512_224 => d::<sha2::Sha512_224>(bytes),
            Function::Sha512_256 => d::<sha2::Sha512_256>(bytes),
            Function::Sha512 => d::<sha2::Sha512>(bytes),
            Function::Sm3 => d::<sm3::Sm3>(bytes),
            Function::Whirlpool => d::<whirlpool::Whirlpool>(bytes),
        }
    }

    /// The HMAC of `bytes` under `key` (RFC 2104), `None` for `md5-sha1`, which has no block
    /// size of its own.
    pub fn hmac(self, key: &[u8], bytes: &[u8]) -> Option<Vec<u8>> {
        fn h<D: Digest + sha2::digest::core_api::BlockSizeUser>(
            key: &[u8],
            bytes: &[u8],
        ) -> Option<Vec<u8>> {
            let mut mac = <SimpleHmac<D> as Mac>::new_from_slice(key).ok()?;
            mac.update(bytes);
            Some(mac.finalize().into_bytes().to_vec())
        }
        match self {
            Function::Blake2b512 => h::<blake2::Blake2b512>(key, bytes),
            Function::Blake2s256 => h::<blake2::Blake2s256>(key, bytes),
            Function::Md4 => h::<md4::Md4>(key, bytes),
            Function::Md5 => h::<md5::Md5>(key, bytes),
            Function::Md5Sha1 => None,
            Function::Ripemd160 => h::<ripemd::Ripemd160>(key, bytes),
            Function::Sha1 => h::<sha1::Sha1>(key, bytes),
            Function::Sha224 => h::<sha2::Sha224>(key, bytes),
            Function::Sha256 => h::<sha2::Sha256>(key, bytes),
            Function::Sha3_224 => h::<sha3::Sha3_224>(key, bytes),
            Function::Sha3_256 => h::<sha3::Sha3_256>(key, bytes),
            Function::Sha3_384 => h::<sha3::Sha3_384>(key, bytes),
            Function::Sha3_512 => h::<sha3::Sha3_512>(key, bytes),
            Function::Sha384 => h::<sha2::Sha384>(key, bytes),
            Function::Sha512_224 => h::<sha2::Sha512_224>(key, bytes),
            Function::Sha512_256 => h::<sha2::Sha512_256>(key, bytes),
            Function::Sha512 => h::<sha2::Sha512>(key, bytes),
            Function::Sm3 => h::<sm3::Sm3>(key, bytes),
            Function::Whirlpool => h::<whirlpool::Whirlpool>(key, bytes),
        }
    }
}

/// The function named by the `hashFunction` input.
fn function(name: &str) -> Result<Function, ActionError> {
    Function::parse(name).ok_or_else(|| {
        let names: Vec<&str> = Function::ALL.iter().map(|f| f.name()).collect();
        ActionError::input(
            "hashFunction",
            format!(
                "`{name}` is not a hash function (use one of {})",
                names.join(", ")
            ),
        )
    })
}

/// `computeHash` (`None`: the `hashFunction` input decides) or one function's action.
pub(crate) struct Hash(pub Option<Function>);

#[async_trait::async_trait]
impl Action for Hash {
    async fn run(&self, _ctx: &ActionContext, inputs: Inputs) -> Result<Data, ActionError> {
        let (f, message) = match self.0 {
            Some(f) => (f, MessageInput::from_inputs(&inputs)?.message),
            None => {
                let i = HashInputs::from_inputs(&inputs)?;
                (function(&i.hashFunction)?, i.message)
            }
        };
        Ok(Data::Json(Value::String(hex::encode(f.digest(&message.0)))))
    }
}

/// `computeHmac`.
pub(crate) struct Hmac;

#[async_trait::async_trait]
impl Action for Hmac {
    async fn run(&self, _ctx: &ActionContext, inputs: Inputs) -> Result<Data, ActionError> {
        let i = HmacInputs::from_inputs(&inputs)?;
        let f = function(&i.hashFunction)?;
        let mac = f.hmac(&i.secretKey.0, &i.message.0).ok_or_else(|| {
            ActionError::input("hashFunction", format!("{} has no HMAC", f.name()))
        })?;
        Ok(Data::Json(Value::String(hex::encode(mac))))
    }
}
