//! plumb-store (work in progress).
