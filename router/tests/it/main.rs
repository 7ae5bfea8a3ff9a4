//! The router and subscriptions through the public API, on EC2 events and a type of our own.

mod cel;
mod router;
mod support;
