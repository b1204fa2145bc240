//! The life of an organization's secrets as the store drives it: first start, sealing values,
//! a restart with the wrong key, `plumb keys rotate-master`, `plumb keys rotate --org`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

use std::collections::BTreeMap;

use plumb_vault::{
    new_data_key, rewrap, unwrap_data_key, Keyring, MasterKey, Redactor, SealContext, VaultError,
    WrappedKey,
};

const ORG_A: &str = "5f0c7f3e-8a4b-4f7e-9a51-0c2d7a1b9e10";
const ORG_B: &str = "0b3a2f7c-1d9e-4c6b-8f20-3e4d5a6b7c8d";

/// A toy "database": wrapped data keys per (org, version) and sealed values per
/// (org, record, field).
#[derive(Default)]
struct Db {
    keys: BTreeMap<(String, u32), Vec<u8>>,
    values: BTreeMap<(String, String, String), Vec<u8>>,
}

impl Db {
    fn keyring(&self, master: &MasterKey, org: &str) -> Result<Keyring, VaultError> {
        let mut ring = Keyring::default();
        for ((o, _), bytes) in &self.keys {
            if o == org {
                let wrapped = WrappedKey::from_bytes(bytes.clone())?;
                ring.insert(unwrap_data_key(master, org, &wrapped)?);
            }
        }
        Ok(ring)
    }

    fn put(&mut self, master: &MasterKey, org: &str, record: &str, field: &str, value: &str) {
        let ring = self.keyring(master, org).unwrap();
        let ctx = SealContext::new(org, record, field);
        let sealed = ring.seal(&ctx, value.as_bytes()).unwrap();
        self.values
            .insert((org.into(), record.into(), field.into()), sealed);
    }

    fn get(&self, master: &MasterKey, org: &str, record: &str, field: &str) -> String {
        let ring = self.keyring(master, org).unwrap();
        let sealed = &self.values[&(org.to_string(), record.to_string(), field.to_string())];
        let ctx = SealContext::new(org, record, field);
        ring.open(&ctx, sealed)
            .unwrap()
            .into_secret_string()
            .unwrap()
            .expose()
            .to_string()
    }
}

#[test]
fn full_life_cycle() {
    let dir = tempfile::tempdir().unwrap();
    let key_file = dir.path().join("plumb-data/master.key");
    let master = MasterKey::load_or_create(&key_file).unwrap();

    let mut db = Db::default();
    for org in [ORG_A, ORG_B] {
        let (_, wrapped) = new_data_key(&master, org, 1).unwrap();
        db.keys.insert((org.into(), 1), wrapped.into_bytes());
    }
    db.put(&master, ORG_A, "ccv-1", "password", "alpha-secret-1");
    db.put(&master, ORG_A, "ccv-1", "apiKey", "alpha-api-key");
    db.put(&master, ORG_B, "ccv-2", "password", "beta-secret-2");

    // Nothing in the "database" shows a plaintext.
    let redactor = Redactor::new(["alpha-secret-1", "alpha-api-key", "beta-secret-2"]);
    for bytes in db.values.values().chain(db.keys.values()) {
        let text = String::from_utf8_lossy(bytes);
        assert_eq!(redactor.redact(&text), text);
    }

    // Swapping ciphertexts between rows, fields and organizations fails.
    let a_pw = db.values[&(ORG_A.into(), "ccv-1".into(), "password".into())].clone();
    let ring_a = db.keyring(&master, ORG_A).unwrap();
    let ring_b = db.keyring(&master, ORG_B).unwrap();
    assert!(ring_a
        .open(&SealContext::new(ORG_A, "ccv-1", "apiKey"), &a_pw)
        .is_err());
    assert!(ring_a
        .open(&SealContext::new(ORG_A, "ccv-9", "password"), &a_pw)
        .is_err());
    assert!(ring_b
        .open(&SealContext::new(ORG_B, "ccv-1", "password"), &a_pw)
        .is_err());
    // A wrapped key moved to another organization does not unwrap.
    let a_key = WrappedKey::from_bytes(db.keys[&(ORG_A.into(), 1)].clone()).unwrap();
    assert!(matches!(
        unwrap_data_key(&master, ORG_B, &a_key),
        Err(VaultError::UnwrapFailed)
    ));

    // A restart with another master key is a clear error, not garbage.
    let wrong = MasterKey::generate().unwrap();
    let err = db.keyring(&wrong, ORG_A).unwrap_err();
    assert!(matches!(err, VaultError::WrongMasterKey { .. }), "{err}");

    // rotate-master: rewrap every data key; sealed values are untouched.
    let values_before = db.values.clone();
    let new_master = MasterKey::generate().unwrap();
    for ((org, _), bytes) in db.keys.iter_mut() {
        let wrapped = WrappedKey::from_bytes(bytes.clone()).unwrap();
        *bytes = rewrap(&master, &new_master, org, &wrapped)
            .unwrap()
            .into_bytes();
    }
    assert_eq!(db.values, values_before);
    assert_eq!(
        db.get(&new_master, ORG_A, "ccv-1", "password"),
        "alpha-secret-1"
    );
    assert!(db.keyring(&master, ORG_A).is_err());

    // rotate --org A: add data key version 2, reseal A's values, then drop version 1.
    let ring = db.keyring(&new_master, ORG_A).unwrap();
    let (_, wrapped) = new_data_key(&new_master, ORG_A, ring.next_version()).unwrap();
    db.keys.insert((ORG_A.into(), 2), wrapped.into_bytes());
    let ring = db.keyring(&new_master, ORG_A).unwrap();
    for ((org, record, field), sealed) in db.values.iter_mut() {
        if org == ORG_A {
            let ctx = SealContext::new(org, record, field);
            if let Some(resealed) = ring.reseal_to_current(&ctx, sealed).unwrap() {
                *sealed = resealed;
            }
        }
    }
    db.keys.remove(&(ORG_A.into(), 1));
    assert_eq!(
        db.get(&new_master, ORG_A, "ccv-1", "password"),
        "alpha-secret-1"
    );
    assert_eq!(
        db.get(&new_master, ORG_A, "ccv-1", "apiKey"),
        "alpha-api-key"
    );
    // Organization B is unaffected.
    assert_eq!(
        db.get(&new_master, ORG_B, "ccv-2", "password"),
        "beta-secret-2"
    );
}
