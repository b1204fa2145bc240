//! Global IDs: `base64("TypeName:uuid")`, as in Prismatic's public API.
//!
//! An ID names its type, so an ID of the wrong type is rejected before any lookup; a lookup of an
//! ID from another organization answers "not found" (the store scopes every query).

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use uuid::Uuid;

/// Why a global ID could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    /// Not base64, or not `Type:uuid` inside.
    #[error("malformed ID")]
    Malformed,
    /// A well-formed ID of another type than the one expected.
    #[error("ID is not a {expected} ID")]
    WrongType {
        /// The type name that was expected.
        expected: &'static str,
    },
}

/// Encodes `uuid` as a global ID of type `type_name`.
pub fn encode(type_name: &str, uuid: Uuid) -> String {
    STANDARD.encode(format!("{type_name}:{uuid}"))
}

/// Decodes a global ID, checking that it names `expected`.
pub fn decode(expected: &'static str, id: &str) -> Result<Uuid, IdError> {
    let (type_name, uuid) = decode_any(id)?;
    if type_name != expected {
        return Err(IdError::WrongType { expected });
    }
    Ok(uuid)
}

/// Decodes a global ID of any type into its type name and UUID.
pub fn decode_any(id: &str) -> Result<(String, Uuid), IdError> {
    let raw = STANDARD.decode(id.trim()).map_err(|_| IdError::Malformed)?;
    let text = String::from_utf8(raw).map_err(|_| IdError::Malformed)?;
    let (type_name, uuid) = text.split_once(':').ok_or(IdError::Malformed)?;
    if type_name.is_empty() || !type_name.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(IdError::Malformed);
    }
    let uuid = Uuid::parse_str(uuid).map_err(|_| IdError::Malformed)?;
    Ok((type_name.to_string(), uuid))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_ids_decode() {
        // The IDs of the seed documents.
        let (t, u) = decode_any(
            "U2NvcGVkQ29uZmlnVmFyaWFibGU6NjIzZjM2NWItMzc3Ny00MWRkLWEyODAtNTBjNjliMjQyMGQ4",
        )
        .unwrap();
        assert_eq!(t, "ScopedConfigVariable");
        assert_eq!(u.to_string(), "623f365b-3777-41dd-a280-50c69b2420d8");
        let c = decode(
            "Customer",
            "Q3VzdG9tZXI6NzFlY2NiYzQtYjc5OC00YzQzLWIzZDAtZjdmYzE5OTEyYzlj",
        )
        .unwrap();
        assert_eq!(c.to_string(), "71eccbc4-b798-4c43-b3d0-f7fc19912c9c");
    }

    #[test]
    fn round_trip_and_prefixes() {
        let u = Uuid::new_v4();
        let id = encode("Customer", u);
        assert!(id.starts_with("Q3Vzd"));
        assert_eq!(decode("Customer", &id), Ok(u));
        assert!(encode("ScopedConfigVariable", u).starts_with("U2Nvc"));
    }

    #[test]
    fn bad_ids() {
        let u = Uuid::new_v4();
        assert_eq!(
            decode("Customer", &encode("Instance", u)),
            Err(IdError::WrongType {
                expected: "Customer"
            })
        );
        assert_eq!(decode("Customer", "!!!"), Err(IdError::Malformed));
        assert_eq!(
            decode("Customer", &STANDARD.encode("Customer:not-a-uuid")),
            Err(IdError::Malformed)
        );
        assert_eq!(
            decode("Customer", &STANDARD.encode("no colon")),
            Err(IdError::Malformed)
        );
    }
}
