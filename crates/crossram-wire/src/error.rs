//! Gateway-level errors of the wire protocol (spec §1.8): each variant is one API error code with
//! its HTTP status and message wording.

use std::fmt;

/// A request that cannot be checked, or that failed a check, before any product logic runs.
///
/// `code()`, `status()` and `message()` give what goes into the error body (spec §1.8).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WireError {
    /// 400 `MissingParameter`: a mandatory parameter (or V3 header) was not sent.
    #[error("MissingParameter: parameter {name:?} is not supplied")]
    MissingParameter {
        /// The parameter name as the API documents it (`Action`, `Timestamp`, `x-acs-date`...).
        name: String,
    },
    /// 400 `InvalidParameter`: a parameter has a value the gateway cannot use.
    #[error("InvalidParameter: parameter {name:?} is not valid")]
    InvalidParameter {
        /// The parameter name, e.g. `Action or Version`.
        name: String,
    },
    /// 400 `InvalidParamater` (sic, the real code): `SignatureMethod` is not `HMAC-SHA1`.
    #[error("InvalidParamater: SignatureMethod {value:?} is not HMAC-SHA1")]
    InvalidSignatureMethod {
        /// The value that was sent.
        value: String,
    },
    /// 400 `InvalidParamater` (sic): `SignatureVersion` is not `1.0`.
    #[error("InvalidParamater: SignatureVersion {value:?} is not 1.0")]
    InvalidSignatureVersion {
        /// The value that was sent.
        value: String,
    },
    /// 400 `IncompleteSignature`: the V3 `Authorization` header (or a header it names) is malformed.
    #[error("IncompleteSignature: {reason}")]
    IncompleteSignature {
        /// What exactly is wrong, for a person.
        reason: String,
    },
    /// 400 `SignatureDoesNotMatch`, carrying the server's string to sign.
    #[error("SignatureDoesNotMatch: server string to sign is:{string_to_sign}")]
    SignatureDoesNotMatch {
        /// The string to sign the server computed.
        string_to_sign: String,
    },
    /// 400 `InvalidTimeStamp.Format`: the timestamp is not `YYYY-MM-DDThh:mm:ssZ`.
    #[error("InvalidTimeStamp.Format: {value:?}")]
    InvalidTimestampFormat {
        /// The value that was sent.
        value: String,
    },
    /// 400 `InvalidTimeStamp.Expired`: the timestamp is outside the accepted window.
    #[error("InvalidTimeStamp.Expired: {value:?}")]
    TimestampExpired {
        /// The value that was sent.
        value: String,
    },
    /// 400 `SignatureNonceUsed`: the nonce was seen within the window.
    #[error("SignatureNonceUsed")]
    SignatureNonceUsed,
    /// 403 `UnsupportedHTTPMethod`: only GET and POST are served.
    #[error("UnsupportedHTTPMethod: {method:?}")]
    UnsupportedHttpMethod {
        /// The method that was used.
        method: String,
    },
}

impl WireError {
    /// The API error code, e.g. `MissingParameter`, `InvalidParamater`, `InvalidTimeStamp.Format`.
    pub fn code(&self) -> &'static str {
        match self {
            Self::MissingParameter { .. } => "MissingParameter",
            Self::InvalidParameter { .. } => "InvalidParameter",
            Self::InvalidSignatureMethod { .. } | Self::InvalidSignatureVersion { .. } => {
                "InvalidParamater"
            }
            Self::IncompleteSignature { .. } => "IncompleteSignature",
            Self::SignatureDoesNotMatch { .. } => "SignatureDoesNotMatch",
            Self::InvalidTimestampFormat { .. } => "InvalidTimeStamp.Format",
            Self::TimestampExpired { .. } => "InvalidTimeStamp.Expired",
            Self::SignatureNonceUsed => "SignatureNonceUsed",
            Self::UnsupportedHttpMethod { .. } => "UnsupportedHTTPMethod",
        }
    }

    /// The HTTP status the error is answered with.
    pub fn status(&self) -> u16 {
        match self {
            Self::UnsupportedHttpMethod { .. } => 403,
            _ => 400,
        }
    }

    /// The `Message` of the error body, in the wording of spec §1.8.
    ///
    /// `IncompleteSignature` appends what is wrong after the standard sentence.
    pub fn message(&self) -> String {
        match self {
            Self::MissingParameter { name } => format!(
                "The input parameter \"{name}\" that is mandatory for processing this request is not supplied."
            ),
            Self::InvalidParameter { name } => {
                format!("The specified parameter \"{name}\" is not valid.")
            }
            Self::InvalidSignatureMethod { .. } => {
                "The specified parameter \"SignatureMethod\" is not valid.".to_owned()
            }
            Self::InvalidSignatureVersion { .. } => {
                "The specified parameter \"SignatureVersion\" is not valid.".to_owned()
            }
            Self::IncompleteSignature { reason } => {
                format!("The request signature does not conform to Aliyun standards. {reason}")
            }
            Self::SignatureDoesNotMatch { string_to_sign } => {
                signature_mismatch_message(string_to_sign)
            }
            Self::InvalidTimestampFormat { .. } => {
                "Specified time stamp or date value is not well formatted.".to_owned()
            }
            Self::TimestampExpired { .. } => {
                "Specified time stamp or date value is expired.".to_owned()
            }
            Self::SignatureNonceUsed => "Specified signature nonce was used already.".to_owned(),
            Self::UnsupportedHttpMethod { .. } => "This HTTP method is not supported.".to_owned(),
        }
    }
}

/// The `SignatureDoesNotMatch` message: the fixed sentence, then the server's string to sign.
pub fn signature_mismatch_message(string_to_sign: &str) -> String {
    format!(
        "Specified signature is not matched with our calculation. server string to sign is:{string_to_sign}"
    )
}

/// A signature that does not match: carries the server's string to sign, which the error
/// message must end with (DESIGN.md).
#[derive(Clone, PartialEq, Eq)]
pub struct SignatureMismatch {
    string_to_sign: String,
}

impl SignatureMismatch {
    /// A mismatch against the given server string to sign.
    pub fn new(string_to_sign: impl Into<String>) -> Self {
        Self {
            string_to_sign: string_to_sign.into(),
        }
    }

    /// The string to sign the server computed.
    pub fn string_to_sign(&self) -> &str {
        &self.string_to_sign
    }

    /// Always `SignatureDoesNotMatch`.
    pub fn code(&self) -> &'static str {
        "SignatureDoesNotMatch"
    }

    /// Always 400.
    pub fn status(&self) -> u16 {
        400
    }

    /// `Specified signature is not matched with our calculation. server string to sign is:<sts>`.
    pub fn message(&self) -> String {
        signature_mismatch_message(&self.string_to_sign)
    }
}

impl fmt::Debug for SignatureMismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignatureMismatch")
            .field("string_to_sign", &self.string_to_sign)
            .finish()
    }
}

impl fmt::Display for SignatureMismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message())
    }
}

impl std::error::Error for SignatureMismatch {}

impl From<SignatureMismatch> for WireError {
    fn from(m: SignatureMismatch) -> Self {
        Self::SignatureDoesNotMatch {
            string_to_sign: m.string_to_sign,
        }
    }
}
