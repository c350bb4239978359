mod compression;
mod decode;
mod never_panics;
mod response;
mod spec_examples;
mod validate;
