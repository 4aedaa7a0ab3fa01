//! Fuzz target: full-text extraction of an article page.

#[global_allocator]
static ALLOC: khabar_fuzz::Capped = khabar_fuzz::Capped;

fn main() {
    afl::fuzz!(|data: &[u8]| khabar::fuzzing::fulltext(data));
}
