//! Content images (a center's logo, activity pictures), decoded once when
//! content is loaded, within limits: a file too big, a picture with more
//! pixels than a screen could use, or a broken file is refused with the
//! reason, and the content shows without it.

pub use protocol::picture::{MAX_FILE_BYTES, MAX_SIDE, Picture};

/// Activity pictures are kept at most this many pixels a side: what attract
/// mode shows of them, at a fraction of the memory of a full photo.
pub const ACTIVITY_SIDE: u32 = 480;

/// The picture scaled down (never up) to fit `side`×`side`, its shape kept.
pub fn scale_to_fit(p: Picture, side: u32) -> Picture {
    let (w, h) = p.dimensions();
    if w <= side && h <= side {
        return p;
    }
    let scale = f64::from(side) / f64::from(w.max(h));
    let (nw, nh) = (
        ((f64::from(w) * scale).round() as u32).max(1),
        ((f64::from(h) * scale).round() as u32).max(1),
    );
    image::imageops::resize(&p, nw, nh, image::imageops::FilterType::Triangle)
}

/// Decodes a picture as the hub checked it before signing.
pub fn decode(bytes: &[u8]) -> anyhow::Result<Picture> {
    Ok(protocol::picture::decode(bytes)?)
}

/// A picture's name in a bundle must be a plain file name in the content
/// folder: nothing that could reach outside it.
pub fn check_name(name: &str) -> anyhow::Result<()> {
    Ok(protocol::content::check_picture_name(name)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    fn png(width: u32, height: u32) -> Vec<u8> {
        let img = image::RgbaImage::from_pixel(width, height, image::Rgba([200, 16, 46, 255]));
        let mut out = Cursor::new(Vec::new());
        img.write_to(&mut out, image::ImageFormat::Png)
            .expect("encode");
        out.into_inner()
    }

    #[test]
    fn a_good_picture_decodes_to_rgba() {
        let p = decode(&png(64, 32)).expect("decode");
        assert_eq!((p.width(), p.height()), (64, 32));
        assert_eq!(p.get_pixel(3, 3).0, [200, 16, 46, 255]);
        let logo = decode(include_bytes!("../../../assets/content/logo.png")).expect("logo");
        assert_eq!((logo.width(), logo.height()), (256, 256));
    }

    #[test]
    fn too_many_pixels_too_many_bytes_and_garbage_are_refused_with_the_reason() {
        // A uniform 3000×10 PNG is a small file with too wide a picture.
        let wide = png(3000, 10);
        assert!(wide.len() < 64 * 1024);
        let e = format!("{:#}", decode(&wide).expect_err("too wide"));
        assert!(e.contains("larger than 2048×2048"), "{e}");
        let e = format!(
            "{:#}",
            decode(&vec![0u8; MAX_FILE_BYTES + 1]).expect_err("too big")
        );
        assert!(e.contains("at most 4096 KB"), "{e}");
        let e = format!(
            "{:#}",
            decode(b"<html>not a picture</html>").expect_err("garbage")
        );
        assert!(e.contains("not a picture"), "{e}");
        // A PNG cut short (a download that stopped).
        let good = png(64, 64);
        let e = format!("{:#}", decode(&good[..good.len() / 2]).expect_err("cut"));
        assert!(e.contains("damaged or unreadable"), "{e}");
    }

    #[test]
    fn names_that_leave_the_content_folder_are_refused() {
        check_name("logo.png").expect("plain");
        check_name("activity-3_v2.jpg").expect("plain");
        for bad in [
            "../logo.png",
            "/etc/passwd",
            "a/b.png",
            ".hidden",
            "",
            "logo.png\0",
        ] {
            assert!(check_name(bad).is_err(), "{bad:?}");
        }
    }
}
