//! Integration tests of ebb-engine: named case tables per rule and property tests.

mod calc;
mod first;
mod forecast;
mod next;
mod normalize;
mod overflow;
mod pods;
mod props;
mod requests;
mod resource_scale;
mod rules;
mod saturation;
mod support;
mod validate;
