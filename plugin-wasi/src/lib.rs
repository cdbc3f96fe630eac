//! Placeholder: see README.md for what will live here.
