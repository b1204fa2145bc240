//! Connection types declared by the built-in components (owned by the vault work).
