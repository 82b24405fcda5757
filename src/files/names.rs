//! File names made from outside text (a profile's name): safe whatever the text.

/// A file-name-safe, collision-free rendering of a profile name: the hex of its bytes, or past
/// [`HEX_NAME_MAX`] bytes `sha256-` and the hex of its digest, so that a file named after a
/// profile stays far below the 255-byte limit of file names whatever the name's length.
pub fn hex_name(name: &str) -> String {
    if name.len() <= HEX_NAME_MAX {
        hex_name_bytes(name.as_bytes())
    } else {
        use sha2::Digest;
        format!(
            "sha256-{}",
            hex_name_bytes(&sha2::Sha256::digest(name.as_bytes()))
        )
    }
}

/// Lower-case hex of some bytes.
pub fn hex_name_bytes(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Names up to this many bytes keep the plain hex form (as earlier versions named their locks).
pub const HEX_NAME_MAX: usize = 100;
