//! Reusable views shared by pages: the layout with navigation, error and empty states.

pub mod error_view;
pub mod layout;
