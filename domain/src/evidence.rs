//! Evidence files (issue 21): a photo or a PDF proving a day's work. A file is what its bytes
//! say it is, never what its name or the client's declared type say: a JPEG or PNG must parse as
//! one, a PDF must start and end as one. A picture's metadata (camera, owner, time, thumbnails,
//! comments) is removed segment by segment without re-encoding it; only its GPS position is
//! kept, read before the removal, to fill the log's location when the log gives none.

use img_parts::{jpeg::Jpeg, png::Png, Bytes, ImageEXIF};

use crate::daily_log::Location;

/// What an evidence file is, by its content; its word is the MIME type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum MediaType {
    /// A JPEG photo.
    #[serde(rename = "image/jpeg")]
    Jpeg,
    /// A PNG picture (a screenshot).
    #[serde(rename = "image/png")]
    Png,
    /// A PDF document.
    #[serde(rename = "application/pdf")]
    Pdf,
}

impl MediaType {
    /// Every type accepted.
    pub const ALL: &'static [MediaType] = &[MediaType::Jpeg, MediaType::Png, MediaType::Pdf];

    /// The MIME type, also stored.
    pub fn as_str(self) -> &'static str {
        match self {
            MediaType::Jpeg => "image/jpeg",
            MediaType::Png => "image/png",
            MediaType::Pdf => "application/pdf",
        }
    }

    /// Reads a MIME type (without parameters); `None` for any other.
    pub fn parse(s: &str) -> Option<Self> {
        MediaType::ALL.iter().copied().find(|m| m.as_str() == s)
    }
}

impl std::fmt::Display for MediaType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The largest file accepted *(policy: 10 MiB, a phone photo with room to spare)*.
pub const MAX_BYTES: usize = 10 * 1024 * 1024;

/// Why a file is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EvidenceError {
    /// Nothing was sent.
    #[error("the file is empty")]
    Empty,
    /// Larger than [`MAX_BYTES`].
    #[error("the file is larger than {} MiB", MAX_BYTES / 1024 / 1024)]
    TooLarge,
    /// Not a JPEG, PNG or PDF by its content (whatever its name or declared type).
    #[error("the content is not a JPEG or PNG picture nor a PDF document")]
    UnknownContent,
    /// Starts as a JPEG or PNG but does not parse as one.
    #[error("the content starts as {0} but is not a whole one")]
    Broken(MediaType),
    /// The client declared one type and sent another.
    #[error("declared as {declared} but the content is {found}")]
    Mismatch {
        /// The declared type.
        declared: MediaType,
        /// What the content is.
        found: MediaType,
    },
}

/// A file checked and cleaned, ready to store.
#[derive(Debug, Clone)]
pub struct Evidence {
    pub media_type: MediaType,
    /// The bytes to store: a picture without its metadata, a PDF as sent.
    pub content: Vec<u8>,
    /// The picture's GPS position, when it had one in range.
    pub location: Option<Location>,
}

/// What the bytes are, by their first bytes; `None` for anything else.
fn sniff(bytes: &[u8]) -> Option<MediaType> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(MediaType::Jpeg)
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(MediaType::Png)
    } else if bytes.starts_with(b"%PDF-") {
        Some(MediaType::Pdf)
    } else {
        None
    }
}

/// Checks `bytes` by their content (and against `declared`, where the client declared a type),
/// and removes a picture's metadata but its position.
pub fn accept(bytes: Vec<u8>, declared: Option<MediaType>) -> Result<Evidence, EvidenceError> {
    if bytes.is_empty() {
        return Err(EvidenceError::Empty);
    }
    if bytes.len() > MAX_BYTES {
        return Err(EvidenceError::TooLarge);
    }
    let found = sniff(&bytes).ok_or(EvidenceError::UnknownContent)?;
    if let Some(declared) = declared.filter(|d| *d != found) {
        return Err(EvidenceError::Mismatch { declared, found });
    }
    match found {
        MediaType::Jpeg => {
            let mut jpeg = Jpeg::from_bytes(Bytes::from(bytes)).map_err(|_| EvidenceError::Broken(found))?;
            let location = jpeg.exif().and_then(|raw| position(raw.to_vec()));
            // Keep what decoding needs: JFIF (APP0), the colour profile (APP2) and Adobe's colour
            // transform (APP14); drop EXIF and XMP (APP1), IPTC (APP13), thumbnails (JFXX),
            // multi-picture data (MPF in APP2), comments and the rest.
            jpeg.segments_mut().retain(|s| {
                let c = s.contents();
                match s.marker() {
                    0xE0 => c.starts_with(b"JFIF\0"),
                    0xE2 => c.starts_with(b"ICC_PROFILE\0"),
                    0xEE => c.starts_with(b"Adobe"),
                    m => !((0xE0..=0xEF).contains(&m) || m == 0xFE),
                }
            });
            let content = scan_without_metadata(&jpeg.encoder().bytes()).ok_or(EvidenceError::Broken(found))?;
            Ok(Evidence { media_type: found, content, location })
        }
        MediaType::Png => {
            let mut png = Png::from_bytes(Bytes::from(bytes)).map_err(|_| EvidenceError::Broken(found))?;
            let location = png.exif().and_then(|raw| position(raw.to_vec()));
            // The picture and how to show it stay; every other chunk (text, EXIF, time, vendors'
            // and provenance manifests) goes.
            png.chunks_mut().retain(|c| PNG_KEPT.contains(&&c.kind()));
            Ok(Evidence { media_type: found, content: png.encoder().bytes().to_vec(), location })
        }
        MediaType::Pdf => {
            // A whole PDF ends with its end-of-file marker, give or take a line break.
            let tail = &bytes[bytes.len().saturating_sub(1024)..];
            if !tail.windows(5).any(|w| w == b"%%EOF") {
                return Err(EvidenceError::Broken(found));
            }
            Ok(Evidence { media_type: found, content: bytes, location: None })
        }
    }
}

/// The PNG chunks a cleaned picture keeps: the image, its palette and transparency, its colour
/// space and pixel size, and the animation chunks of an APNG.
const PNG_KEPT: &[&[u8; 4]] = &[
    b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"cHRM", b"gAMA", b"iCCP", b"sBIT", b"sRGB", b"bKGD", b"pHYs",
    b"acTL", b"fcTL", b"fdAT",
];

/// A JPEG cut at its end-of-image marker, without the metadata segments that may follow its
/// first scan (between the scans of a progressive picture): what follows the end (a phone's
/// second picture with its own EXIF, a motion photo's video) is dropped. `None` for a picture
/// without an end.
fn scan_without_metadata(bytes: &[u8]) -> Option<Vec<u8>> {
    // The first scan's start: the headers before it were cleaned segment by segment.
    let mut i = 2;
    while i + 4 <= bytes.len() {
        if bytes[i] != 0xFF {
            return None;
        }
        let marker = bytes[i + 1];
        let len = usize::from(u16::from_be_bytes([bytes[i + 2], bytes[i + 3]]));
        if marker == 0xDA {
            break;
        }
        i += 2 + len;
    }
    let mut out = bytes.get(..i)?.to_vec();
    // From here: scans (entropy-coded data, where 0xFF is followed by 0x00 or a restart marker),
    // and segments between them, until the end of the image.
    while i + 1 < bytes.len() {
        if bytes[i] != 0xFF {
            out.push(bytes[i]);
            i += 1;
            continue;
        }
        let marker = bytes[i + 1];
        match marker {
            0x00 | 0xD0..=0xD7 | 0xFF => {
                out.push(bytes[i]);
                i += 1;
            }
            0xD9 => {
                out.extend_from_slice(&[0xFF, 0xD9]);
                return Some(out);
            }
            _ => {
                let len = usize::from(u16::from_be_bytes([*bytes.get(i + 2)?, *bytes.get(i + 3)?]));
                let end = i.checked_add(2 + len)?;
                let segment = bytes.get(i..end)?;
                // Metadata between scans goes; tables and scan headers stay.
                if !((0xE0..=0xEF).contains(&marker) || marker == 0xFE) {
                    out.extend_from_slice(segment);
                }
                i = end;
            }
        }
    }
    None
}

/// The GPS position of raw EXIF (TIFF) data, when it holds one in range.
fn position(raw: Vec<u8>) -> Option<Location> {
    use exif::{In, Tag, Value};
    let exif = exif::Reader::new().read_raw(raw).ok()?;
    let degrees = |tag: Tag, reference: Tag, negative: u8| -> Option<f64> {
        let Value::Rational(parts) = &exif.get_field(tag, In::PRIMARY)?.value else { return None };
        let [d, m, s] = parts.as_slice() else { return None };
        let value = d.to_f64() + m.to_f64() / 60.0 + s.to_f64() / 3600.0;
        let sign = match &exif.get_field(reference, In::PRIMARY)?.value {
            Value::Ascii(v) if v.first().and_then(|r| r.first()) == Some(&negative) => -1.0,
            Value::Ascii(_) => 1.0,
            _ => return None,
        };
        Some(sign * value)
    };
    let latitude = degrees(Tag::GPSLatitude, Tag::GPSLatitudeRef, b'S')?;
    let longitude = degrees(Tag::GPSLongitude, Tag::GPSLongitudeRef, b'W')?;
    Location::new(Some(latitude), Some(longitude)).ok().flatten()
}

/// Sample files, for the demo's logs and for tests of the API.
pub mod sample {
    use crate::daily_log::Location;

    /// A structurally whole 1×1 JPEG (its picture data is a token: nothing here decodes it), as
    /// a phone camera writes one: an EXIF segment with the GPS position `at` (to a thousandth of
    /// a second of arc) and a comment naming the camera's owner.
    pub fn photo(at: Option<Location>) -> Vec<u8> {
        let dms = |v: f64| {
            let v = v.abs();
            let d = v.trunc();
            let m = ((v - d) * 60.0).trunc();
            let s = ((v - d) * 60.0 - m) * 60.0;
            [(d as u32, 1), (m as u32, 1), ((s * 1000.0).round() as u32, 1000)]
        };
        let gps = at.map(|l| {
            let lat_ref = if l.latitude < 0.0 { b'S' } else { b'N' };
            let lon_ref = if l.longitude < 0.0 { b'W' } else { b'E' };
            (dms(l.latitude), lat_ref, dms(l.longitude), lon_ref)
        });
        let mut out = vec![0xFF, 0xD8];
        // APP0 JFIF.
        out.extend([0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0]);
        if let Some(gps) = gps {
            let tiff = exif_tiff(gps);
            let len = u16::try_from(tiff.len() + 8).unwrap_or(u16::MAX);
            out.extend([0xFF, 0xE1]);
            out.extend(len.to_be_bytes());
            out.extend(b"Exif\0\0");
            out.extend(tiff);
        }
        // A comment naming the camera's owner.
        let comment = b"Kamera milik Putu Ayu";
        out.extend([0xFF, 0xFE]);
        out.extend(u16::try_from(comment.len() + 2).unwrap_or(u16::MAX).to_be_bytes());
        out.extend(comment);
        // SOF0: 8 bits, 1×1, one component.
        out.extend([0xFF, 0xC0, 0x00, 0x0B, 0x08, 0x00, 0x01, 0x00, 0x01, 0x01, 0x01, 0x11, 0x00]);
        // SOS, a little entropy-coded data, EOI.
        out.extend([0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3F, 0x00, 0x12, 0x34, 0xFF, 0xD9]);
        out
    }

    /// A little-endian TIFF with IFD0 pointing to a GPS IFD of four fields.
    type Dms = [(u32, u32); 3];

    fn exif_tiff((lat, lat_ref, lon, lon_ref): (Dms, u8, Dms, u8)) -> Vec<u8> {
        let mut t: Vec<u8> = b"II*\0".to_vec();
        t.extend(8u32.to_le_bytes());
        // IFD0 at 8: one entry (GPS IFD pointer, tag 0x8825, LONG) and no next IFD.
        t.extend(1u16.to_le_bytes());
        let gps_at: u32 = 8 + 2 + 12 + 4;
        t.extend(0x8825u16.to_le_bytes());
        t.extend(4u16.to_le_bytes());
        t.extend(1u32.to_le_bytes());
        t.extend(gps_at.to_le_bytes());
        t.extend(0u32.to_le_bytes());
        // GPS IFD: 4 entries, then the rationals.
        let rationals_at = gps_at + 2 + 4 * 12 + 4;
        t.extend(4u16.to_le_bytes());
        let ascii = |t: &mut Vec<u8>, tag: u16, c: u8| {
            t.extend(tag.to_le_bytes());
            t.extend(2u16.to_le_bytes());
            t.extend(2u32.to_le_bytes());
            t.extend([c, 0, 0, 0]);
        };
        let rational = |t: &mut Vec<u8>, tag: u16, at: u32| {
            t.extend(tag.to_le_bytes());
            t.extend(5u16.to_le_bytes());
            t.extend(3u32.to_le_bytes());
            t.extend(at.to_le_bytes());
        };
        ascii(&mut t, 1, lat_ref);
        rational(&mut t, 2, rationals_at);
        ascii(&mut t, 3, lon_ref);
        rational(&mut t, 4, rationals_at + 24);
        t.extend(0u32.to_le_bytes());
        for (num, den) in lat.iter().chain(lon.iter()) {
            t.extend(num.to_le_bytes());
            t.extend(den.to_le_bytes());
        }
        t
    }

    /// A small whole PDF.
    pub fn pdf() -> Vec<u8> {
        b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n".to_vec()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::sample::photo;
    use super::*;

    fn at(latitude: f64, longitude: f64) -> Option<Location> {
        Some(Location { latitude, longitude })
    }

    #[test]
    fn a_photo_keeps_its_position_and_loses_the_rest() {
        // 7° 48' 36" S, 110° 21' 36" E: Yogyakarta.
        let photo = photo(at(-7.81, 110.36));
        let e = accept(photo.clone(), Some(MediaType::Jpeg)).unwrap();
        assert_eq!(e.media_type, MediaType::Jpeg);
        let l = e.location.unwrap();
        assert!((l.latitude + 7.81).abs() < 1e-6 && (l.longitude - 110.36).abs() < 1e-6, "{l:?}");
        let find = |hay: &[u8], needle: &[u8]| hay.windows(needle.len()).any(|w| w == needle);
        assert!(find(&photo, b"Exif") && find(&photo, b"Putu Ayu"));
        assert!(!find(&e.content, b"Exif") && !find(&e.content, b"Putu Ayu"), "metadata removed");
        assert!(e.content.starts_with(&[0xFF, 0xD8]) && e.content.ends_with(&[0xFF, 0xD9]));
        // A second picture after the end (a phone's multi-picture trailer, with its own EXIF)
        // and a comment between scans are dropped too.
        let mut with_trailer = photo.clone();
        let sos = with_trailer.windows(2).position(|w| w == [0xFF, 0xDA]).unwrap();
        let data = sos + 10;
        with_trailer.splice(data..data, [0xFF, 0xFE, 0x00, 0x06, b'G', b'P', b'S', b'!']);
        with_trailer.extend(b"\xFF\xD8\xFF\xE1\x00\x0AExif\0\0Putu Ayu\xFF\xD9");
        let cleaned = accept(with_trailer, None).unwrap().content;
        assert_eq!(cleaned, e.content, "the same picture, nothing after its end");
        // Cleaned again, it is the same.
        assert_eq!(accept(e.content.clone(), None).unwrap().content, e.content);
        // Without GPS, no position.
        assert_eq!(accept(super::sample::photo(None), None).unwrap().location, None);
        // West and north too.
        let l = accept(super::sample::photo(at(51.5007, -0.1246)), None).unwrap().location.unwrap();
        assert!((l.latitude - 51.5007).abs() < 1e-6 && (l.longitude + 0.1246).abs() < 1e-6, "{l:?}");
    }

    #[test]
    fn content_decides_not_the_name() {
        let photo = photo(None);
        assert_eq!(
            accept(photo.clone(), Some(MediaType::Pdf)).unwrap_err(),
            EvidenceError::Mismatch { declared: MediaType::Pdf, found: MediaType::Jpeg }
        );
        assert_eq!(accept(b"MZ\x90\0 a program".to_vec(), None).unwrap_err(), EvidenceError::UnknownContent);
        assert_eq!(accept(photo[..40].to_vec(), None).unwrap_err(), EvidenceError::Broken(MediaType::Jpeg));
        assert_eq!(accept(Vec::new(), None).unwrap_err(), EvidenceError::Empty);
        assert_eq!(accept(vec![0xFF; MAX_BYTES + 1], None).unwrap_err(), EvidenceError::TooLarge);
        let pdf = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n".to_vec();
        assert_eq!(accept(pdf.clone(), Some(MediaType::Pdf)).unwrap().content, pdf);
        assert_eq!(accept(b"%PDF-1.4 cut short".to_vec(), None).unwrap_err(), EvidenceError::Broken(MediaType::Pdf));
        assert_eq!(MediaType::parse("image/png"), Some(MediaType::Png));
    }
}
