from cmathlab.cli import main

raise SystemExit(main())
