mod compression;
mod decode;
mod fixtures;
mod never_panics;
mod response;
mod spec_examples;
mod validate;
