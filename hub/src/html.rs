//! Text put into the hub's HTML (pages, the card sheet): escaped once, here.

/// `text` safe inside an element or a double-quoted attribute.
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    #[test]
    fn markup_and_quotes_are_text() {
        assert_eq!(
            super::escape(r#"<a href="x">林&陈</a>"#),
            "&lt;a href=&quot;x&quot;&gt;林&amp;陈&lt;/a&gt;"
        );
    }
}
