//! The embedding API answers instead of failing: an unreadable input is recorded and said,
//! never an `Err` that `?` would propagate; a value not taken says why.

use kvdiag::serde_json::json;
use kvdiag::{Added, Hint, Origin, Rejected, Snapshot};

#[test]
fn an_input_that_cannot_be_parsed_is_recorded_and_said_not_an_error() {
    let mut b = Snapshot::builder();
    let broken = b.add_input("broken.json", b"{\"kind\": ", &Hint::Auto);
    let failure = broken.failure().expect("a parse failure");
    assert!(!broken.is_read());
    assert_eq!(failure.line, Some(1));
    assert!(broken.clone().into_result().is_err());
    let good = b.add_input(
        "vm.yaml",
        b"kind: VirtualMachine\nmetadata: {name: a, namespace: b}\n",
        &Hint::Auto,
    );
    assert_eq!(good, Added::Read);
    let s = b.build();
    assert_eq!(s.objects().len(), 1);
    assert_eq!(s.inputs().failed.len(), 1);
    assert_eq!(&*s.inputs().failed[0].source, "broken.json");
}

#[test]
fn a_value_not_taken_says_why() {
    let mut b = Snapshot::builder();
    let origin = || Origin::new("cache");
    assert_eq!(b.add_value(json!(42), origin()), Err(Rejected::NotAnObject));
    assert_eq!(
        b.add_value(json!({"metadata": {"name": "x"}}), origin()),
        Err(Rejected::NotAnObject)
    );
    assert_eq!(
        b.add_value(
            json!({"kind": "Secret", "metadata": {"name": "s"}, "data": {"p": "aHVudGVyMg=="}}),
            origin()
        ),
        Err(Rejected::Secret)
    );
    assert_eq!(
        b.add_value(
            json!({"kind": "ConfigMap", "metadata": {"name": "c"}}),
            origin()
        ),
        Err(Rejected::UnusedKind("ConfigMap".into()))
    );
    assert_eq!(
        b.add_value(
            json!({"kind": "Pod", "metadata": {"name": "p", "namespace": "n"}}),
            origin()
        ),
        Ok(())
    );
    assert_eq!(b.build().objects().len(), 1);
}
