from podmodel.cli import main

raise SystemExit(main())
