//! The payloads that carry one changed object (or a deleted id) and `userErrors`: the
//! [`Payload`] trait that builds them, and the `payload!` macro that declares each one with
//! its own type name, field name and descriptions.

use crate::mutation::user_error::UserError;

/// A mutation's payload: what it changed, or why nothing was.
pub(crate) trait Payload {
    /// What the store gives back when the change is made.
    type Done;
    /// The payload of a change that was made.
    fn done(value: Self::Done) -> Self;
    /// The payload of a change refused for `errors`; nothing was written.
    fn refused(errors: Vec<UserError>) -> Self;
    /// Its user errors, to point them at the right place of the input.
    fn user_errors_mut(&mut self) -> &mut Vec<UserError>;
}

/// Declares a payload type, a GraphQL object with one optional field and `userErrors`,
/// and its [`Payload`] impl. The field is written `name: Object(Done);` when the payload
/// wraps what the store gives back in the tuple struct `Object`, or `name: Type;` when it
/// holds that value as it is. Doc comments go where they show in the schema.
macro_rules! payload {
    (
        $(#[$meta:meta])*
        $name:ident {
            $(#[$field_meta:meta])*
            $field:ident: $object:ident($done:ty);
            $(#[$errors_meta:meta])*
            user_errors
        }
    ) => {
        $crate::mutation::payload::payload!(@define
            [$(#[$meta])*] $name [$(#[$field_meta])*] $field,
            $object, $done, $object, [$(#[$errors_meta])*]
        );
    };
    (
        $(#[$meta:meta])*
        $name:ident {
            $(#[$field_meta:meta])*
            $field:ident: $value:ty;
            $(#[$errors_meta:meta])*
            user_errors
        }
    ) => {
        $crate::mutation::payload::payload!(@define
            [$(#[$meta])*] $name [$(#[$field_meta])*] $field,
            $value, $value, std::convert::identity, [$(#[$errors_meta])*]
        );
    };
    (@define
        [$(#[$meta:meta])*] $name:ident [$(#[$field_meta:meta])*] $field:ident,
        $object:ty, $done:ty, $make:expr, [$(#[$errors_meta:meta])*]
    ) => {
        $(#[$meta])*
        #[derive(async_graphql::SimpleObject, Default)]
        pub struct $name {
            $(#[$field_meta])*
            pub $field: Option<$object>,
            $(#[$errors_meta])*
            pub user_errors: Vec<$crate::mutation::user_error::UserError>,
        }

        impl $crate::mutation::payload::Payload for $name {
            type Done = $done;

            fn done(value: $done) -> Self {
                Self {
                    $field: Some($make(value)),
                    user_errors: Vec::new(),
                }
            }

            fn refused(errors: Vec<$crate::mutation::user_error::UserError>) -> Self {
                Self {
                    $field: None,
                    user_errors: errors,
                }
            }

            fn user_errors_mut(&mut self) -> &mut Vec<$crate::mutation::user_error::UserError> {
                &mut self.user_errors
            }
        }
    };
}
pub(crate) use payload;
