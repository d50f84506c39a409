//! Where calls go: the three products, their API versions and endpoints.

use std::fmt;
use std::str::FromStr;

use crate::error::Error;

/// An Alibaba Cloud product the client speaks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Product {
    /// Resource Access Management, version 2015-05-01.
    Ram,
    /// Security Token Service, version 2015-04-01.
    Sts,
    /// Elastic Compute Service, version 2014-05-26.
    Ecs,
}

impl Product {
    /// Every product, in a fixed order.
    pub const ALL: [Product; 3] = [Product::Ram, Product::Sts, Product::Ecs];

    /// The API version sent with every call (`Version` / `x-acs-version`).
    pub fn version(self) -> &'static str {
        match self {
            Product::Ram => "2015-05-01",
            Product::Sts => "2015-04-01",
            Product::Ecs => "2014-05-26",
        }
    }

    /// The lower-case endpoint prefix: `ram`, `sts`, `ecs`.
    pub fn code(self) -> &'static str {
        match self {
            Product::Ram => "ram",
            Product::Sts => "sts",
            Product::Ecs => "ecs",
        }
    }
}

impl fmt::Display for Product {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Product::Ram => "Ram",
            Product::Sts => "Sts",
            Product::Ecs => "Ecs",
        })
    }
}

impl FromStr for Product {
    type Err = Error;

    /// Parses `ram`, `sts` or `ecs` (any case).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Product::ALL
            .into_iter()
            .find(|p| p.code().eq_ignore_ascii_case(s))
            .ok_or_else(|| {
                Error::Config(format!("unknown product {s:?} (expected ram, sts or ecs)"))
            })
    }
}

/// Where requests are sent: the public Alibaba Cloud endpoints, or one URL for every product
/// (the emulator serves RAM, STS and ECS on one port and routes by Action and Version).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint(Kind);

#[derive(Debug, Clone, PartialEq, Eq)]
enum Kind {
    Public { region: Option<String> },
    Url { scheme: String, authority: String },
}

/// The resolved destination of one call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// `https` or `http`.
    pub scheme: String,
    /// `host` or `host:port` (the value of the `host` header, and what V3 signs).
    pub host: String,
}

impl Target {
    /// `scheme://host/`.
    pub fn base_url(&self) -> String {
        format!("{}://{}/", self.scheme, self.host)
    }
}

impl Endpoint {
    /// The global public endpoints: `ram.aliyuncs.com`, `sts.aliyuncs.com`, `ecs.aliyuncs.com`.
    pub fn public() -> Self {
        Self(Kind::Public { region: None })
    }

    /// The public endpoints of a region: `ram.aliyuncs.com` (RAM is global),
    /// `sts.<region>.aliyuncs.com`, `ecs.<region>.aliyuncs.com`.
    pub fn region(region: &str) -> Result<Self, Error> {
        let ok = !region.is_empty()
            && region
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !ok {
            return Err(Error::Config(format!("invalid region id {region:?}")));
        }
        Ok(Self(Kind::Public {
            region: Some(region.to_owned()),
        }))
    }

    /// One URL for every product, e.g. `http://127.0.0.1:8080` or `https://sts.aliyuncs.com`.
    /// Only the scheme (`http`/`https`), host and port are used; a path other than `/`, a
    /// query or user info is refused.
    pub fn url(url: &str) -> Result<Self, Error> {
        let parsed = reqwest::Url::parse(url).map_err(|e| {
            Error::Config(format!(
                "invalid endpoint URL {url:?}: {e} (write it as http://HOST:PORT or https://HOST)"
            ))
        })?;
        let scheme = parsed.scheme();
        if scheme != "http" && scheme != "https" {
            return Err(Error::Config(format!(
                "endpoint URL {url:?} must start with http:// or https:// (for example \
                 http://{url} for an emulator on this machine)"
            )));
        }
        let host = parsed
            .host_str()
            .filter(|h| !h.is_empty())
            .ok_or_else(|| Error::Config(format!("endpoint URL {url:?} has no host")))?;
        if !(parsed.path().is_empty() || parsed.path() == "/")
            || parsed.query().is_some()
            || parsed.fragment().is_some()
            || !parsed.username().is_empty()
            || parsed.password().is_some()
        {
            return Err(Error::Config(format!(
                "endpoint URL {url:?} must be scheme://host[:port] only"
            )));
        }
        let authority = match parsed.port() {
            Some(port) => format!("{host}:{port}"),
            None => host.to_owned(),
        };
        Ok(Self(Kind::Url {
            scheme: scheme.to_owned(),
            authority,
        }))
    }

    /// The region of a regional public endpoint.
    pub fn region_id(&self) -> Option<&str> {
        match &self.0 {
            Kind::Public { region } => region.as_deref(),
            Kind::Url { .. } => None,
        }
    }

    /// Whether this is one URL for all products (an emulator or a custom gateway).
    pub fn is_custom(&self) -> bool {
        matches!(self.0, Kind::Url { .. })
    }

    /// Where a call to `product` goes.
    pub fn resolve(&self, product: Product) -> Target {
        match &self.0 {
            Kind::Url { scheme, authority } => Target {
                scheme: scheme.clone(),
                host: authority.clone(),
            },
            Kind::Public { region } => {
                let host = match (product, region) {
                    (Product::Ram, _) | (_, None) => format!("{}.aliyuncs.com", product.code()),
                    (_, Some(r)) => format!("{}.{r}.aliyuncs.com", product.code()),
                };
                Target {
                    scheme: "https".to_owned(),
                    host,
                }
            }
        }
    }
}

impl Default for Endpoint {
    fn default() -> Self {
        Self::public()
    }
}

/// Anything that names an endpoint: an [`Endpoint`], or a URL string.
pub trait IntoEndpoint {
    /// Converts into an endpoint, or says why it cannot.
    fn into_endpoint(self) -> Result<Endpoint, Error>;
}

impl IntoEndpoint for Endpoint {
    fn into_endpoint(self) -> Result<Endpoint, Error> {
        Ok(self)
    }
}

impl IntoEndpoint for &str {
    fn into_endpoint(self) -> Result<Endpoint, Error> {
        Endpoint::url(self)
    }
}

impl IntoEndpoint for String {
    fn into_endpoint(self) -> Result<Endpoint, Error> {
        Endpoint::url(&self)
    }
}

impl IntoEndpoint for &String {
    fn into_endpoint(self) -> Result<Endpoint, Error> {
        Endpoint::url(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_endpoints_per_product() {
        let e = Endpoint::public();
        assert_eq!(
            e.resolve(Product::Ram).base_url(),
            "https://ram.aliyuncs.com/"
        );
        assert_eq!(e.resolve(Product::Sts).host, "sts.aliyuncs.com");
        assert_eq!(e.resolve(Product::Ecs).host, "ecs.aliyuncs.com");
    }

    #[test]
    fn regional_endpoints_keep_ram_global() {
        let e = Endpoint::region("cn-hangzhou").unwrap();
        assert_eq!(e.resolve(Product::Ram).host, "ram.aliyuncs.com");
        assert_eq!(e.resolve(Product::Sts).host, "sts.cn-hangzhou.aliyuncs.com");
        assert_eq!(e.resolve(Product::Ecs).host, "ecs.cn-hangzhou.aliyuncs.com");
        assert!(Endpoint::region("cn hangzhou").is_err());
    }

    #[test]
    fn a_url_serves_every_product() {
        let e = Endpoint::url("http://127.0.0.1:18080").unwrap();
        for p in Product::ALL {
            let t = e.resolve(p);
            assert_eq!(
                (t.scheme.as_str(), t.host.as_str()),
                ("http", "127.0.0.1:18080")
            );
        }
        let e = Endpoint::url("https://sts.aliyuncs.com:443/").unwrap();
        assert_eq!(e.resolve(Product::Sts).host, "sts.aliyuncs.com");
    }

    #[test]
    fn bad_urls_are_refused() {
        for bad in [
            "ftp://x",
            "http://h/path",
            "http://h/?a=b",
            "not a url",
            "http://u:p@h",
        ] {
            assert!(Endpoint::url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn an_address_without_scheme_is_told_how_to_write_it() {
        for bare in ["127.0.0.1:8080", "localhost:8080"] {
            let message = Endpoint::url(bare).unwrap_err().to_string();
            assert!(message.contains("http://"), "{bare}: {message}");
        }
    }

    #[test]
    fn products_parse_and_carry_versions() {
        assert_eq!("RAM".parse::<Product>().unwrap(), Product::Ram);
        assert_eq!(Product::Sts.version(), "2015-04-01");
        assert_eq!(Product::Ecs.version(), "2014-05-26");
        assert!("ims".parse::<Product>().is_err());
    }
}
