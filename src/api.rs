//! Server functions, grouped by domain, one file each. Callable from the browser (POST /api/…)
//! and directly during server rendering.

pub mod status;
