"""Publisher ids from rclpy's MessageInfo (nodes/publisher_ids.py): what FingerWatch keys on."""

from vjepa_ros.nodes.publisher_ids import callback_with_publisher, publisher_id


def test_publisher_ids_are_hashable_and_tell_publishers_apart():
    a = {"publisher_gid": {"implementation_identifier": "rmw_fastrtps_cpp", "data": [1, 2, 3]}}
    b = {"publisher_gid": {"implementation_identifier": "rmw_fastrtps_cpp", "data": [1, 2, 4]}}
    assert publisher_id(a) == publisher_id(dict(a)) and publisher_id(a) != publisher_id(b)
    assert len({publisher_id(a), publisher_id(b)}) == 2
    assert publisher_id({"publisher_gid": None}) is None and publisher_id(None) is None
    assert publisher_id({"publisher_gid": b"\x01\x02"}) == publisher_id({"publisher_gid":
                                                                        b"\x01\x02"})


def test_the_callback_passes_the_topic_and_the_publisher_where_rclpy_gives_it(monkeypatch):
    import vjepa_ros.nodes.publisher_ids as ids

    got = []
    monkeypatch.setattr(ids, "gives_publisher_ids", lambda: True)
    callback = callback_with_publisher(lambda *args: got.append(args), "/hand")
    callback("msg", {"publisher_gid": {"data": [7]}})
    monkeypatch.setattr(ids, "gives_publisher_ids", lambda: False)
    callback_with_publisher(lambda *args: got.append(args), "")("msg")
    assert got == [("msg", "/hand", (("data", b"\x07"),)), ("msg", "", None)]


def test_the_callback_passes_the_publish_time_when_asked(monkeypatch):
    # flake47f: the finger jump rule judges the publish gap besides the arrival gap
    import vjepa_ros.nodes.publisher_ids as ids

    got = []
    monkeypatch.setattr(ids, "gives_publisher_ids", lambda: True)
    callback = callback_with_publisher(lambda *args: got.append(args), "/hand", sent=True)
    callback("msg", {"publisher_gid": None, "source_timestamp": 2_000_000_000})
    callback("msg", {"publisher_gid": None, "source_timestamp": 0})  # an rmw without it
    monkeypatch.setattr(ids, "gives_publisher_ids", lambda: False)  # Iron, Jazzy: info, no ids
    monkeypatch.setattr(ids, "gives_message_info", lambda: True)
    callback_with_publisher(lambda *args: got.append(args), "", sent=True)(
        "msg", {"publisher_gid": {"data": b"x"}, "source_timestamp": 3_000_000_000})
    monkeypatch.setattr(ids, "gives_message_info", lambda: False)  # Humble: the message alone
    callback_with_publisher(lambda *args: got.append(args), "", sent=True)("msg")
    assert got == [("msg", "/hand", None, 2.0), ("msg", "/hand", None, None),
                   ("msg", "", None, 3.0), ("msg", "", None, None)]


def test_this_rclpy_gives_message_info():
    # Kilted's rclpy here: Subscription.CallbackType (Iron and newer) picks the two-argument call
    import vjepa_ros.nodes.publisher_ids as ids

    assert ids.gives_message_info()
