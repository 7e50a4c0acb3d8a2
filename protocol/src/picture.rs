//! Content pictures (a center's logo, activity pictures) decoded within
//! limits: a file too big, a picture with more pixels than a screen could
//! use, or a file that is no PNG or JPEG is refused with the reason. The
//! hub decodes every picture this way before it signs a version, so it
//! never signs what a kiosk would refuse.

use std::io::Cursor;

/// Larger files are refused before decoding.
pub const MAX_FILE_BYTES: usize = 4 << 20;
/// Wider or taller pictures are refused from their header, before any
/// pixel memory is taken.
pub const MAX_SIDE: u32 = 2048;
/// The most a decoder may allocate for one picture.
const MAX_ALLOC: u64 = 64 << 20;

/// A decoded picture, 8-bit RGBA.
pub type Picture = image::RgbaImage;

/// Why a picture cannot be shown.
#[derive(Debug, thiserror::Error)]
pub enum PictureError {
    #[error("the file is {0} KB; pictures may be at most {max} KB", max = MAX_FILE_BYTES / 1024)]
    TooLarge(usize),
    #[error("not a picture a kiosk shows (PNG or JPEG)")]
    NotAPicture,
    #[error("the picture is larger than {MAX_SIDE}×{MAX_SIDE} pixels; scale it down")]
    TooManyPixels,
    #[error("the picture is damaged or unreadable: {0}")]
    Unreadable(String),
}

pub fn decode(bytes: &[u8]) -> Result<Picture, PictureError> {
    if bytes.len() > MAX_FILE_BYTES {
        return Err(PictureError::TooLarge(bytes.len() / 1024));
    }
    let mut reader = image::ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| PictureError::Unreadable(e.to_string()))?;
    if reader.format().is_none() {
        return Err(PictureError::NotAPicture);
    }
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_ALLOC);
    reader.limits(limits);
    let decoded = reader.decode().map_err(|e| match e {
        image::ImageError::Limits(_) => PictureError::TooManyPixels,
        e => PictureError::Unreadable(e.to_string()),
    })?;
    Ok(decoded.to_rgba8())
}
