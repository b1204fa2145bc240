use super::*;

const ORG: &str = "5f0c7f3e-8a4b-4f7e-9a51-0c2d7a1b9e10";
const OTHER_ORG: &str = "0b3a2f7c-1d9e-4c6b-8f20-3e4d5a6b7c8d";
const RECORD: &str = "9d1e4c7a-2b3f-4a5e-8c6d-7e8f9a0b1c2d";
const OTHER_RECORD: &str = "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d";

fn ctx() -> SealContext<'static> {
    SealContext::new(ORG, RECORD, "password")
}

#[test]
fn round_trip() {
    let key = DataKey::generate(1).unwrap();
    for plaintext in [&b""[..], b"x", b"hunter2", &[0u8; 1000]] {
        let sealed = seal(&key, &ctx(), plaintext).unwrap();
        assert_eq!(
            sealed.len(),
            HEADER_LEN + NONCE_LEN + plaintext.len() + TAG_LEN
        );
        assert_eq!(open(&key, &ctx(), &sealed).unwrap().expose(), plaintext);
    }
    let secret = SecretString::new("s3cr3t-value");
    let sealed = seal_str(&key, &ctx(), &secret).unwrap();
    assert_eq!(open_string(&key, &ctx(), &sealed).unwrap(), secret);
}

#[test]
fn fresh_nonce_per_seal() {
    let key = DataKey::generate(1).unwrap();
    let a = seal(&key, &ctx(), b"same").unwrap();
    let b = seal(&key, &ctx(), b"same").unwrap();
    assert_ne!(a, b);
    assert_ne!(
        a[HEADER_LEN..HEADER_LEN + NONCE_LEN],
        b[HEADER_LEN..HEADER_LEN + NONCE_LEN]
    );
}

#[test]
fn ciphertext_does_not_contain_plaintext() {
    let key = DataKey::generate(1).unwrap();
    let plaintext = b"PLANTED-SECRET-1234567890";
    let sealed = seal(&key, &ctx(), plaintext).unwrap();
    assert!(!sealed.windows(plaintext.len()).any(|w| w == plaintext));
}

#[test]
fn every_flipped_bit_is_detected() {
    let key = DataKey::generate(1).unwrap();
    let sealed = seal(&key, &ctx(), b"tamper me").unwrap();
    for i in 0..sealed.len() {
        for bit in [0x01u8, 0x80] {
            let mut bytes = sealed.clone();
            bytes[i] ^= bit;
            assert!(open(&key, &ctx(), &bytes).is_err(), "byte {i} bit {bit}");
        }
    }
    // Truncated and extended values fail too.
    assert!(open(&key, &ctx(), &sealed[..sealed.len() - 1]).is_err());
    let mut longer = sealed.clone();
    longer.push(0);
    assert!(open(&key, &ctx(), &longer).is_err());
}

#[test]
fn moved_ciphertext_does_not_open() {
    let key = DataKey::generate(1).unwrap();
    let sealed = seal(&key, &ctx(), b"bound").unwrap();
    // Table: (org, record, field) that must all fail.
    let elsewhere = [
        (OTHER_ORG, RECORD, "password"),
        (ORG, OTHER_RECORD, "password"),
        (ORG, RECORD, "apiKey"),
        (ORG, RECORD, "passwor"),
        // Length prefixes keep part boundaries apart.
        (ORG, "9d1e4c7a-2b3f-4a5e-8c6d-7e8f9a0b1c2dp", "assword"),
        ("", RECORD, "password"),
    ];
    for (org, record, field) in elsewhere {
        let err = open(&key, &SealContext::new(org, record, field), &sealed).unwrap_err();
        assert!(
            matches!(err, VaultError::OpenFailed),
            "{org}/{record}/{field}: {err:?}"
        );
    }
    assert!(open(&key, &ctx(), &sealed).is_ok());
}

#[test]
fn other_data_key_does_not_open() {
    let key = DataKey::generate(1).unwrap();
    let other = DataKey::generate(1).unwrap();
    let sealed = seal(&key, &ctx(), b"v").unwrap();
    assert!(matches!(
        open(&other, &ctx(), &sealed),
        Err(VaultError::OpenFailed)
    ));
    let v2 = DataKey::generate(2).unwrap();
    assert!(matches!(
        open(&v2, &ctx(), &sealed),
        Err(VaultError::KeyVersionMismatch {
            sealed: 1,
            given: 2
        })
    ));
}

#[test]
fn malformed_values() {
    let key = DataKey::generate(1).unwrap();
    for (bytes, expect_version) in [
        (vec![], None),
        (vec![1, 0, 0, 0, 1], None),
        (vec![7; 40], Some(7u8)),
    ] {
        match (open(&key, &ctx(), &bytes), expect_version) {
            (Err(VaultError::Malformed { .. }), None) => {}
            (Err(VaultError::UnsupportedVersion { version, .. }), Some(v)) => {
                assert_eq!(version, v)
            }
            (other, _) => panic!("{bytes:?}: {other:?}"),
        }
    }
}

#[test]
fn reseal_to_new_data_key() {
    let old = DataKey::generate(1).unwrap();
    let new = DataKey::generate(2).unwrap();
    let sealed = seal(&old, &ctx(), b"rotate me").unwrap();
    let resealed = reseal(&old, &new, &ctx(), &sealed).unwrap();
    assert_eq!(sealed_key_version(&resealed).unwrap(), 2);
    assert_eq!(
        open(&new, &ctx(), &resealed).unwrap().expose(),
        b"rotate me"
    );
    assert!(open(&old, &ctx(), &resealed).is_err());
    // The context still binds after resealing.
    let moved = SealContext::new(ORG, OTHER_RECORD, "password");
    assert!(reseal(&old, &new, &moved, &sealed).is_err());
}

#[test]
fn keyring_rotation() {
    let mut ring = Keyring::default();
    assert_eq!(ring.next_version(), 1);
    assert!(matches!(
        ring.seal(&ctx(), b"x"),
        Err(VaultError::NoDataKey)
    ));
    ring.insert(DataKey::generate(ring.next_version()).unwrap());
    let v1 = ring.seal(&ctx(), b"first").unwrap();
    ring.insert(DataKey::generate(ring.next_version()).unwrap());
    assert_eq!(ring.current().unwrap().version(), 2);
    let v2 = ring.seal(&ctx(), b"second").unwrap();
    assert_eq!(sealed_key_version(&v2).unwrap(), 2);
    // Both versions open.
    assert_eq!(ring.open(&ctx(), &v1).unwrap().expose(), b"first");
    assert_eq!(ring.open(&ctx(), &v2).unwrap().expose(), b"second");
    // Reseal moves v1 values to v2 and leaves v2 values alone.
    let moved = ring.reseal_to_current(&ctx(), &v1).unwrap().unwrap();
    assert_eq!(sealed_key_version(&moved).unwrap(), 2);
    assert!(ring.reseal_to_current(&ctx(), &v2).unwrap().is_none());
    // Once v1 is dropped, only resealed values open.
    let ring = Keyring::new(ring.get(2).cloned());
    assert_eq!(ring.open(&ctx(), &moved).unwrap().expose(), b"first");
    assert!(matches!(
        ring.open(&ctx(), &v1),
        Err(VaultError::MissingDataKey { version: 1 })
    ));
}
