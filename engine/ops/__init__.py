"""Operations built on the facade: the demo's scenarios, copying a store."""
