//! plumb-engine (work in progress).
