//! plumb-vault (work in progress).
