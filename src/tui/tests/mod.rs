//! Tests of the TUI state and screens.
