//! Fuzz target: the feed parser: first byte picks the HTTP content type, the rest is the body.

#[global_allocator]
static ALLOC: khabar_fuzz::Capped = khabar_fuzz::Capped;

fn main() {
    afl::fuzz!(|data: &[u8]| khabar::fuzzing::feed(data));
}
