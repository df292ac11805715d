"""The service layer: the one place where store, runtime and audit meet. `facade.Engine` builds the services
(instances, people, processes, time, audit, files, pictures) over one `context.EngineContext` and hands out an
`handle.InstanceHandle` per instance; every change goes through `transition.advance`."""
