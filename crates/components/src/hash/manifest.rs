//! What the `hash` component is: action keys, input keys and defaults follow Prismatic's Hash
//! component; examples are run by the runtime's catalog test.

use plumb_core::component::{ActionExample, ActionSpec, ComponentSpec};
use serde_json::json;

use super::Function;
use crate::util::TextOrBytes;

plumb_core::action_inputs! {
    /// The input of the one-function actions.
    pub struct MessageInput {
        /// The message to hash: text (hashed as UTF-8) or binary data.
        message: TextOrBytes = ("Message", Data),
    }
}

plumb_core::action_inputs! {
    /// The inputs of `computeHash`.
    pub struct HashInputs {
        /// The hash function, by its OpenSSL name: `sha256`, `sha512`, `sha1`, `md5`,
        /// `sha3-256`, `blake2b512`, `ripemd160`, ... (every function of this component).
        hashFunction: String = ("Hash Function", String, default "sha256"),
        /// The message to hash: text (hashed as UTF-8) or binary data.
        message: TextOrBytes = ("Message", Data),
    }
}

plumb_core::action_inputs! {
    /// The inputs of `computeHmac`.
    pub struct HmacInputs {
        /// The hash function, by its OpenSSL name (`sha256`, `sha1`, `sha512`, `md5`, ...).
        hashFunction: String = ("Hash Function", String, default "sha256"),
        /// The secret key shared with the sender: text (as UTF-8) or binary data.
        secretKey: TextOrBytes = ("Secret Key", String),
        /// The message to authenticate, e.g. a webhook's raw body: text or binary data.
        message: TextOrBytes = ("Message", Data),
    }
}

/// The hex digest of `abc` for each function (the standard test vectors).
fn abc(f: Function) -> &'static str {
    match f {
        Function::Blake2b512 => "ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d17d87c5392aab792dc252d5de4533cc9518d38aa8dbf1925ab92386edd4009923",
        Function::Blake2s256 => "508c5e8c327c14e2e1a72ba34eeb452f37458b209ed63a294d999b4c86675982",
        Function::Md4 => "a448017aaf21d8525fc10ae87aa6729d",
        Function::Md5 => "900150983cd24fb0d6963f7d28e17f72",
        Function::Md5Sha1 => "900150983cd24fb0d6963f7d28e17f72a9993e364706816aba3e25717850c26c9cd0d89d",
        Function::Ripemd160 => "8eb208f7e05d987a9b044a8e98c6b087f15a0bfc",
        Function::Sha1 => "a9993e364706816aba3e25717850c26c9cd0d89d",
        Function::Sha224 => "23097d223405d8228642a477bda255b32aadbce4bda0b3f7e36c9da7",
        Function::Sha256 => "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
        Function::Sha3_224 => "e642824c3f8cf24ad09234ee7d3c766fc9a3a5168d0c94ad73b46fdf",
        Function::Sha3_256 => "3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532",
        Function::Sha3_384 => "ec01498288516fc926459f58e2c6ad8df9b473cb0fc08c2596da7cf0e49be4b298d88cea927ac7f539f1edf228376d25",
        Function::Sha3_512 => "b751850b1a57168a5693cd924b6b096e08f621827444f70d884f5d0240d2712e10e116e9192af3c91a7ec57647e3934057340b4cf408d5a56592f8274eec53f0",
        Function::Sha384 => "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7",
        Function::Sha512_224 => "4634270f707b6a54daae7530460842e20e37ed265ceee9a43e8924aa",
        Function::Sha512_256 => "53048e2681941ef99b2e29b76b4c7dabe4c2d0c634fc6d46e0e2f13107e7af23",
        Function::Sha512 => "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
        Function::Sm3 => "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0",
        Function::Whirlpool => "4e2448a4c6f486bb16b6562c73b4020bf3043e3a731bce721ae1b303d97e6d4c7181eebdb6c57e277d0e34957114cbd6c797fc9d95d8b582d225292076d4eef5",
    }
}

const FOX: &str = "The quick brown fox jumps over the lazy dog";

/// The `hash` component's spec.
pub fn spec() -> ComponentSpec {
    let mut spec = ComponentSpec::builtin(
        super::KEY,
        "Hash",
        "Hashes and HMACs of text and data with common hash functions (hex digests).",
    )
    .action(
        ActionSpec::new(
            "computeHash",
            "Compute Hash",
            "The hex digest of a message with the chosen hash function.",
            HashInputs::specs(),
        )
        .example(
            ActionExample::values("SHA-256 by default", &[("message", json!("hello"))])
                .answers(json!("2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824")),
        )
        .example(
            ActionExample::values(
                "MD5",
                &[("hashFunction", json!("md5")), ("message", json!("hello"))],
            )
            .answers(json!("5d41402abc4b2a76b9719d911017c592")),
        ),
    )
    .action(
        ActionSpec::new(
            "computeHmac",
            "Compute HMAC Hash",
            "The hex HMAC of a message under a secret key: compare it with a webhook's \
             signature header to check the request is genuine.",
            HmacInputs::specs(),
        )
        .example(
            ActionExample::values(
                "HMAC-SHA256 of a webhook body",
                &[("secretKey", json!("key")), ("message", json!(FOX))],
            )
            .answers(json!("f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8")),
        )
        .example(
            ActionExample::values(
                "HMAC-SHA1",
                &[
                    ("hashFunction", json!("sha1")),
                    ("secretKey", json!("key")),
                    ("message", json!(FOX)),
                ],
            )
            .answers(json!("de7c9b85b8b78aa6bc8a7a36f70a90701c9db4d9")),
        )
        .example(
            ActionExample::values(
                "HMAC-SHA512",
                &[
                    ("hashFunction", json!("sha512")),
                    ("secretKey", json!("key")),
                    ("message", json!(FOX)),
                ],
            )
            .answers(json!("b42af09057bac1e2d41708e48a902e09b5ff7f12ab428a4fe86653c73dd248fb82f948a549f7b791a5b41915ee4d1ec3935357e4e2317250d0372afa2ebeeb3a")),
        ),
    );
    for f in Function::ALL {
        spec = spec.action(
            ActionSpec::new(
                f.action_key(),
                format!("Compute {} Hash", f.label()),
                format!("The hex {} digest of a message.", f.label()),
                MessageInput::specs(),
            )
            .example(
                ActionExample::values(
                    format!("{} of abc", f.label()),
                    &[("message", json!("abc"))],
                )
                .answers(json!(abc(*f))),
            ),
        );
    }
    spec
}
