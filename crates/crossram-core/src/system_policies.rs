//! The catalogue of system policies (spec §7) as data, each document parsed once on first use.
//!
//! The documents of `AliyunSTSAssumeRoleAccess`, `AliyunECSFullAccess`,
//! `AliyunECSReadOnlyAccess`, `AliyunRAMReadOnlyAccess`, `AliyunOSSReadOnlyAccess` and
//! `PowerUserAccess` follow the published ones (PowerUserAccess's second statement keeps only the
//! actions the spec names). `AdministratorAccess`, `ReadOnlyAccess`, `AliyunRAMFullAccess` and
//! `AliyunOSSFullAccess` were not found in any source: their documents are the obvious shapes
//! and are assumptions (spec §9.18). Dates are the emulator's, not the cloud's.

use std::sync::LazyLock;

use crate::policy::{PolicyDocument, PolicyKind};

/// A system policy: Alibaba-managed, addressed by name with `PolicyType=System`.
#[derive(Debug, PartialEq, Eq)]
pub struct SystemPolicy {
    /// The policy name, e.g. `AliyunECSFullAccess`.
    pub name: &'static str,
    /// The description shown by GetPolicy/ListPolicies.
    pub description: &'static str,
    /// The default version id, e.g. `v1`.
    pub version: &'static str,
    /// The document text of the default version.
    pub document_text: &'static str,
    /// `CreateDate` (UTC `yyyy-MM-ddTHH:mm:ssZ`).
    pub create_date: &'static str,
    /// `UpdateDate` (UTC `yyyy-MM-ddTHH:mm:ssZ`).
    pub update_date: &'static str,
}

impl SystemPolicy {
    /// The parsed document (parsed once for the whole process).
    pub fn document(&self) -> &'static PolicyDocument {
        let pos = ALL.iter().position(|p| p.name == self.name);
        match pos.and_then(|i| DOCUMENTS.get(i)) {
            Some(doc) => doc,
            None => &EMPTY,
        }
    }

    /// The ARN used for it in policy resources: `acs:ram:*:system:policy/<name>`.
    pub fn resource_arn(&self) -> String {
        crate::arn::system_policy_resource_arn(self.name)
    }
}

const CREATED: &str = "2015-04-28T16:00:00Z";

static ALL: [SystemPolicy; 10] = [
    SystemPolicy {
        name: "AdministratorAccess",
        description: "Provides full access to Alibaba Cloud services and resources.",
        version: "v1",
        document_text: r#"{"Version": "1", "Statement": [{"Action": "*", "Effect": "Allow", "Resource": "*"}]}"#,
        create_date: CREATED,
        update_date: CREATED,
    },
    SystemPolicy {
        name: "ReadOnlyAccess",
        description: "Provides read-only access to Alibaba Cloud services and resources.",
        version: "v1",
        document_text: r#"{"Version": "1", "Statement": [{"Action": ["*:Describe*", "*:List*", "*:Get*", "*:BatchGet*", "*:Query*", "*:BatchQuery*"], "Effect": "Allow", "Resource": "*"}]}"#,
        create_date: CREATED,
        update_date: CREATED,
    },
    SystemPolicy {
        name: "AliyunSTSAssumeRoleAccess",
        description: "Provides access to the API AssumeRole of Security Token Service(STS).",
        version: "v1",
        document_text: r#"{"Statement": [{"Action": "sts:AssumeRole", "Effect": "Allow", "Resource": "*"}], "Version": "1"}"#,
        create_date: CREATED,
        update_date: CREATED,
    },
    SystemPolicy {
        name: "AliyunECSFullAccess",
        description: "Provides full access to Elastic Compute Service (ECS) via Management Console.",
        version: "v1",
        document_text: r#"{"Version": "1", "Statement": [
  {"Action": "ecs:*", "Resource": "*", "Effect": "Allow"},
  {"Action": ["vpc:DescribeVpcs", "vpc:DescribeVSwitches"], "Resource": "*", "Effect": "Allow"}]}"#,
        create_date: CREATED,
        update_date: CREATED,
    },
    SystemPolicy {
        name: "AliyunECSReadOnlyAccess",
        description: "Provides read-only access to Elastic Compute Service (ECS) via Management Console.",
        version: "v1",
        document_text: r#"{"Version": "1", "Statement": [
  {"Action": "ecs:Describe*", "Resource": "*", "Effect": "Allow"},
  {"Action": "ecs:List*", "Resource": "*", "Effect": "Allow"},
  {"Action": ["vpc:DescribeVpcs", "vpc:DescribeVSwitches"], "Resource": "*", "Effect": "Allow"}]}"#,
        create_date: CREATED,
        update_date: CREATED,
    },
    SystemPolicy {
        name: "AliyunRAMFullAccess",
        description: "Provides full access to Resource Access Management (RAM).",
        version: "v1",
        document_text: r#"{"Version": "1", "Statement": [{"Action": "ram:*", "Resource": "*", "Effect": "Allow"}]}"#,
        create_date: CREATED,
        update_date: CREATED,
    },
    SystemPolicy {
        name: "AliyunRAMReadOnlyAccess",
        description: "Provides read-only access to Resource Access Management (RAM).",
        version: "v3",
        document_text: r#"{"Version": "1", "Statement": [
  {"Action": ["ram:Get*", "ram:List*", "ram:GenerateCredentialReport"], "Resource": "*", "Effect": "Allow"},
  {"Effect": "Allow", "Action": ["accessanalyzer:Get*", "accessanalyzer:List*"], "Resource": "*"}]}"#,
        create_date: CREATED,
        update_date: "2025-01-01T00:00:00Z",
    },
    SystemPolicy {
        name: "AliyunOSSFullAccess",
        description: "Provides full access to Object Storage Service (OSS).",
        version: "v1",
        document_text: r#"{"Version": "1", "Statement": [{"Action": "oss:*", "Resource": "*", "Effect": "Allow"}]}"#,
        create_date: CREATED,
        update_date: CREATED,
    },
    SystemPolicy {
        name: "AliyunOSSReadOnlyAccess",
        description: "Provides read-only access to Object Storage Service (OSS).",
        version: "v1",
        document_text: r#"{"Statement": [{"Action": ["oss:Get*", "oss:List*"], "Effect": "Allow", "Resource": "*"}], "Version": "1"}"#,
        create_date: CREATED,
        update_date: CREATED,
    },
    SystemPolicy {
        name: "PowerUserAccess",
        description: "Provides full access to Alibaba Cloud services and resources except identity, account and billing management.",
        version: "v2",
        document_text: r#"{"Version": "1", "Statement": [
  {"Effect": "Allow", "NotAction": ["ram:*", "ims:*", "resourcemanager:*", "resourcesharing:*", "cloudsso:*", "bss:ModifyAccount", "bss:ModifyBillingAccount", "bss:ModifyPaymentRelationship", "bssapi:ModifyAccountRelation"], "Resource": "*"},
  {"Effect": "Allow", "Action": ["ram:ListUserBasicInfos", "ram:ListRoles", "ram:CreateServiceLinkedRole"], "Resource": "*"}]}"#,
        create_date: CREATED,
        update_date: "2025-01-01T00:00:00Z",
    },
];

static DOCUMENTS: LazyLock<Vec<PolicyDocument>> = LazyLock::new(|| {
    ALL.iter()
        .map(|p| {
            PolicyDocument::parse(p.document_text, PolicyKind::Identity)
                .unwrap_or_else(|_| PolicyDocument::empty(PolicyKind::Identity))
        })
        .collect()
});

static EMPTY: LazyLock<PolicyDocument> =
    LazyLock::new(|| PolicyDocument::empty(PolicyKind::Identity));

/// The system policy called `name` (exact, case-sensitive), if any.
pub fn system_policy(name: &str) -> Option<&'static SystemPolicy> {
    ALL.iter().find(|p| p.name == name)
}

/// Every system policy, in a fixed order.
pub fn all() -> &'static [SystemPolicy] {
    &ALL
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_document_parses() {
        for p in all() {
            let doc = PolicyDocument::parse(p.document_text, PolicyKind::Identity)
                .unwrap_or_else(|e| panic!("{}: {e}", p.name));
            assert_eq!(p.document(), &doc, "{}", p.name);
            assert!(doc.statement_count() > 0);
            assert!(p.version.starts_with('v'));
        }
    }

    #[test]
    fn lookup() {
        assert!(system_policy("AliyunECSFullAccess").is_some());
        assert!(system_policy("aliyunecsfullaccess").is_none());
        assert_eq!(
            system_policy("AliyunSTSAssumeRoleAccess")
                .unwrap()
                .resource_arn(),
            "acs:ram:*:system:policy/AliyunSTSAssumeRoleAccess"
        );
    }
}
