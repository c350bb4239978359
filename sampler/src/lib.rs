//! Stages 3 and 4 of the pipeline: golden signals, computed from every span before any sampling, and the
//! adaptive trace sampler. Both sit between decode and batch in the collector's pipeline.
//!
//! This crate does no I/O: it turns spans into metric updates and keep/drop decisions, so it can be
//! tested and benchmarked on its own.

#![forbid(unsafe_code)]

pub mod adaptive;
pub mod exposition;
pub mod golden;
pub mod sample;
pub mod tail;
