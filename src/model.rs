//! Wire types shared by the browser and the server (serde only, no I/O).

pub mod error;
pub mod status;

pub use error::ApiError;
