//! plumb-api (work in progress).
