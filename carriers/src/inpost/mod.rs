//! inpost adapter (in progress).
