//! Fuzz target: HTML → text and the sanitiser.

#[global_allocator]
static ALLOC: khabar_fuzz::Capped = khabar_fuzz::Capped;

fn main() {
    afl::fuzz!(|data: &[u8]| khabar::fuzzing::html(data));
}
