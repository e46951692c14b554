//! [`Upload`]: a file sent as a multipart part (API 9's cover image).

use std::fmt;
use std::path::Path;

use bytes::Bytes;

/// A file to upload. The part is never signed: the vendor signs text parameters only.
#[derive(Clone, PartialEq, Eq)]
pub struct Upload {
    file_name: String,
    content_type: Option<String>,
    bytes: Bytes,
}

impl Upload {
    /// A file named `file_name` with the given contents.
    pub fn new(file_name: impl Into<String>, bytes: impl Into<Bytes>) -> Self {
        Upload {
            file_name: file_name.into(),
            content_type: None,
            bytes: bytes.into(),
        }
    }

    /// Reads a file from disk; its name is the path's last component.
    pub fn from_path(path: impl AsRef<Path>) -> std::io::Result<Self> {
        let path = path.as_ref();
        let bytes = std::fs::read(path)?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "upload".to_owned());
        Ok(Upload::new(name, bytes))
    }

    /// Sets the part's content type (e.g. `image/jpeg`); by default it is guessed from the name.
    pub fn content_type(mut self, mime: impl Into<String>) -> Self {
        self.content_type = Some(mime.into());
        self
    }

    /// The file name sent with the part.
    pub fn file_name(&self) -> &str {
        &self.file_name
    }

    /// The content type set with [`Upload::content_type`], if any.
    pub fn mime(&self) -> Option<&str> {
        self.content_type.as_deref()
    }

    /// The content type to send: the one set, else one guessed from the file name's extension
    /// (images, PDF), else `application/octet-stream`.
    pub fn mime_or_guess(&self) -> &str {
        if let Some(m) = &self.content_type {
            return m;
        }
        let ext = self
            .file_name
            .rsplit_once('.')
            .map(|(_, e)| e.to_ascii_lowercase())
            .unwrap_or_default();
        match ext.as_str() {
            "jpg" | "jpeg" => "image/jpeg",
            "png" => "image/png",
            "gif" => "image/gif",
            "webp" => "image/webp",
            "bmp" => "image/bmp",
            "pdf" => "application/pdf",
            _ => "application/octet-stream",
        }
    }

    /// The file's contents.
    pub fn bytes(&self) -> &Bytes {
        &self.bytes
    }
}

impl fmt::Debug for Upload {
    /// Shows the name, type and size, not the contents.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Upload")
            .field("file_name", &self.file_name)
            .field("content_type", &self.content_type)
            .field("len", &self.bytes.len())
            .finish()
    }
}
