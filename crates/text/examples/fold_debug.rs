//! Prints the channels of each argument (a debugging aid).
fn main() {
    for a in std::env::args().skip(1) {
        let f = vigil_text::fold(&a);
        println!(
            "{a:?} -> fold {f:?} -> {:?}; key {:?}",
            vigil_text::fold(&f),
            vigil_text::hashtag_key(&a)
        );
    }
}
