//! plumb-auth (work in progress).
