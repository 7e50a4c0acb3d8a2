//! QR codes of member tokens, at error correction M (readable through a
//! scratched phone screen), with their quiet zone: as an image for a card or
//! a file, as SVG for the member's phone page.

use anyhow::Context;

fn code(text: &str) -> anyhow::Result<qrcode::QrCode> {
    qrcode::QrCode::with_error_correction_level(text, qrcode::EcLevel::M)
        .context("cannot make a QR code")
}

/// A code at least 300 pixels a side, with its version.
pub fn image(text: &str) -> anyhow::Result<(qrcode::Version, image::GrayImage)> {
    let code = code(text)?;
    let img = code
        .render::<image::Luma<u8>>()
        .min_dimensions(300, 300)
        .build();
    Ok((code.version(), img))
}

/// A code as an SVG to put inside an HTML page, at least 240 pixels a
/// side: without the XML declaration (not HTML), an image to assistive
/// technology named as a QR code.
pub fn svg(text: &str) -> anyhow::Result<String> {
    let svg = code(text)?
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(240, 240)
        .quiet_zone(true)
        .build();
    let start = svg.find("<svg").context("the QR code's SVG has no <svg>")?;
    Ok(svg[start..].replacen("<svg", "<svg role=\"img\" aria-label=\"二维码 QR code\"", 1))
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_member_token_fits_a_version_5_qr_code() {
        let key = ed25519_dalek::SigningKey::from_bytes(&[1; 32]);
        let token = protocol::token::Claims {
            key_id: 1,
            member_id: u32::MAX,
            expires_at: u32::MAX,
        }
        .sign(&key);
        let (version, img) = super::image(&token).expect("qr");
        assert_eq!(version, qrcode::Version::Normal(5));
        assert!(img.width() >= 300);
        let svg = super::svg(&token).expect("svg");
        assert!(svg.starts_with("<svg role=\"img\""), "{}", &svg[..60]);
        assert!(!svg.contains("<?xml"));
    }
}
