//! Integration tests of ebb-engine: named case tables per rule and property tests.

mod calc;
mod normalize;
mod props;
mod rules;
mod support;
mod validate;
