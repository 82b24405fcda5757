//! Comparing secrets (client secrets, tokens, `state`, PKCE challenges) so that the time taken
//! says nothing about how much of a guess was right.

use subtle::ConstantTimeEq;

/// Whether `a` equals `b`. The time depends on the lengths only, never on where the bytes differ.
pub fn eq(a: &str, b: &str) -> bool {
    a.as_bytes().ct_eq(b.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use rstest::rstest;

    #[rstest]
    #[case("", "", true)]
    #[case("s3cret", "s3cret", true)]
    #[case("s3cret", "s3creT", false)]
    #[case("s3cret", "s3cre", false)]
    #[case("s3cre", "s3cret", false)]
    #[case("", "x", false)]
    #[case("ü", "u", false)]
    fn equal_only_when_every_byte_is(#[case] a: &str, #[case] b: &str, #[case] same: bool) {
        assert_eq!(super::eq(a, b), same);
    }
}
