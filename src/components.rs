//! Reusable views shared by pages: the layout with navigation, error and empty states.

pub mod chart;
pub mod chart_svg;
pub mod error_view;
pub mod layout;
pub mod live;
pub mod policy_chart;
pub mod policy_fields;
pub mod policy_form;
pub mod policy_rows;
pub mod role;
pub mod sparkline;
pub mod time;
pub mod workload_table;
