//! The small HTML pages the browser sees after the redirect. Reflected text is always escaped.

const SUCCESS: &str = include_str!("../../assets/login-success.html");
const ERROR: &str = include_str!("../../assets/login-error.html");

/// Longest reflected text; a provider's description is a sentence, not a document.
const MAX_REFLECTED: usize = 500;

pub(crate) fn success() -> String {
    SUCCESS.to_string()
}

/// The error page with `title` and `message` escaped into it.
pub(crate) fn error(title: &str, message: &str) -> String {
    ERROR
        .replace("{{title}}", &escape(title))
        .replace("{{message}}", &escape(message))
}

pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars().take(MAX_REFLECTED) {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reflected_text_cannot_become_markup() {
        let page = error("<b>x</b>", "<script>alert('x')</script> & \"q\"");
        assert!(!page.contains("<script>alert"));
        assert!(
            page.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;")
        );
        assert!(page.contains("&lt;b&gt;x&lt;/b&gt;"));
        assert!(!page.contains("{{"));
    }
}
