//! The schema is the contract: it matches the committed `schema.graphql`, and it documents
//! every type, field, argument and enum value.

use serde_json::Value;

#[test]
fn committed_schema_matches_the_code() {
    let committed = include_str!("../../../schema.graphql");
    assert!(
        committed == crate::sdl(),
        "schema.graphql is out of date: run `cargo run -q -- schema > schema.graphql` and commit it"
    );
}

const INTROSPECTION: &str = r#"{
  __schema {
    types {
      name kind description
      fields(includeDeprecated: true) { name description args { name description } }
      inputFields { name description }
      enumValues(includeDeprecated: true) { name description }
    }
  }
}"#;

fn documented(item: &Value) -> bool {
    item["description"]
        .as_str()
        .is_some_and(|d| !d.trim().is_empty())
}

#[tokio::test]
async fn everything_in_the_schema_has_a_description() {
    let response = crate::Api::new(&crate::Options::default())
        .schema
        .execute(INTROSPECTION)
        .await;
    assert!(response.errors.is_empty(), "{:?}", response.errors);
    let data = response.data.into_json().expect("JSON");
    let mut missing = Vec::new();
    for ty in data["__schema"]["types"].as_array().expect("types") {
        let name = ty["name"].as_str().unwrap_or_default();
        if name.starts_with("__") || ["String", "Int", "Float", "Boolean", "ID"].contains(&name) {
            continue;
        }
        if !documented(ty) {
            missing.push(name.to_owned());
        }
        for field in ty["fields"]
            .as_array()
            .into_iter()
            .flatten()
            .chain(ty["inputFields"].as_array().into_iter().flatten())
        {
            let field_name = format!("{name}.{}", field["name"].as_str().unwrap_or_default());
            if !documented(field) {
                missing.push(field_name.clone());
            }
            for arg in field["args"].as_array().into_iter().flatten() {
                if !documented(arg) {
                    missing.push(format!(
                        "{field_name}({})",
                        arg["name"].as_str().unwrap_or_default()
                    ));
                }
            }
        }
        for value in ty["enumValues"].as_array().into_iter().flatten() {
            if !documented(value) {
                missing.push(format!(
                    "{name}.{}",
                    value["name"].as_str().unwrap_or_default()
                ));
            }
        }
    }
    assert!(missing.is_empty(), "undocumented: {missing:#?}");
}
