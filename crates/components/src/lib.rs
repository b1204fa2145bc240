//! plumb-components (work in progress).
